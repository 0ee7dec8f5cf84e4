# CPack post-build script (CPACK_POST_BUILD_SCRIPTS): CPack's DEB generator gives a
# package holding a shared library in /usr/lib a postinst and postrm that run ldconfig
# themselves, which Debian replaced by a dpkg trigger (lintian: maintscript-calls-ldconfig;
# libbqw0 carries debian/triggers, "activate-noawait ldconfig"). For each .deb built:
# drop those two scripts when ldconfig is all they do, set Installed-Size to what the
# files take, and rebuild it with dpkg-deb.
foreach(deb IN LISTS CPACK_PACKAGE_FILES)
  if(NOT deb MATCHES "\\.deb$")
    continue()
  endif()
  set(root "${deb}.d")
  file(REMOVE_RECURSE "${root}")
  execute_process(COMMAND dpkg-deb -R "${deb}" "${root}" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "deb_fixup: dpkg-deb -R ${deb} failed")
  endif()
  set(changed FALSE)
  foreach(script postinst postrm)
    set(f "${root}/DEBIAN/${script}")
    if(EXISTS "${f}")
      file(READ "${f}" body)
      string(REGEX REPLACE "#[^\n]*\n" "" code "${body}")
      string(REGEX REPLACE "[ \t\n]" "" code "${code}")
      if(code STREQUAL "set-eif[\"$1\"=\"configure\"];thenldconfigfi" OR
         code STREQUAL "set-eif[\"$1\"=\"remove\"];thenldconfigfi")
        file(REMOVE "${f}")
        set(changed TRUE)
      else()
        message(FATAL_ERROR "deb_fixup: ${deb}: unexpected ${script}:\n${body}")
      endif()
    endif()
  endforeach()
  # Installed-Size: CPack counts a symbolic link as the file it points to
  execute_process(COMMAND du -sk --apparent-size --exclude=DEBIAN "${root}"
    OUTPUT_VARIABLE du OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REGEX MATCH "^[0-9]+" kib "${du}")
  file(READ "${root}/DEBIAN/control" control)
  string(REGEX REPLACE "\nInstalled-Size: [0-9]+\n" "\nInstalled-Size: ${kib}\n" fixed "${control}")
  if(NOT fixed STREQUAL control)
    file(WRITE "${root}/DEBIAN/control" "${fixed}")
    set(changed TRUE)
  endif()
  if(changed)
    execute_process(COMMAND dpkg-deb --root-owner-group -Zxz -b "${root}" "${deb}"
      RESULT_VARIABLE rc OUTPUT_QUIET)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "deb_fixup: dpkg-deb -b ${deb} failed")
    endif()
  endif()
  file(REMOVE_RECURSE "${root}")
endforeach()
