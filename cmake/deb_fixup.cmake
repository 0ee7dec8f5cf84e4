# CPack post-build script (CPACK_POST_BUILD_SCRIPTS): CPack's DEB generator gives a
# package holding a shared library in /usr/lib a postinst and postrm that run ldconfig
# themselves, which Debian replaced by a dpkg trigger (lintian: maintscript-calls-ldconfig;
# libbqw0 carries debian/triggers, "activate-noawait ldconfig"). For each .deb built:
# drop those two scripts when ldconfig is all they do, strip as dh_strip does, set
# Installed-Size to what the files take, and rebuild it with dpkg-deb, xz-compressed
# (CPack's draft is gzip-compressed: CPACK_DEBIAN_COMPRESSION_TYPE), whether or not
# anything else changed.
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
  foreach(script postinst postrm)
    set(f "${root}/DEBIAN/${script}")
    if(EXISTS "${f}")
      file(READ "${f}" body)
      string(REGEX REPLACE "#[^\n]*\n" "" code "${body}")
      string(REGEX REPLACE "[ \t\n]" "" code "${code}")
      if(code STREQUAL "set-eif[\"$1\"=\"configure\"];thenldconfigfi" OR
         code STREQUAL "set-eif[\"$1\"=\"remove\"];thenldconfigfi")
        file(REMOVE "${f}")
      else()
        message(FATAL_ERROR "deb_fixup: ${deb}: unexpected ${script}:\n${body}")
      endif()
    endif()
  endforeach()
  # what Debian's dh_strip also does: static libraries lose their debug information
  # (CPack strips executables and shared objects only), every ELF file its .comment
  # and .note sections
  file(GLOB_RECURSE archives "${root}/usr/lib/*.a")
  file(GLOB_RECURSE elves "${root}/usr/bin/*" "${root}/usr/lib/*.so*")
  list(FILTER elves EXCLUDE REGEX "\\.a$")
  set(stripped FALSE)
  if(archives)
    execute_process(COMMAND strip --strip-debug --remove-section=.comment --remove-section=.note
      --enable-deterministic-archives ${archives} RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "deb_fixup: strip ${archives} failed")
    endif()
    set(stripped TRUE)
  endif()
  foreach(f IN LISTS elves)
    if(NOT IS_SYMLINK "${f}")
      execute_process(COMMAND strip --remove-section=.comment --remove-section=.note "${f}"
        RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "deb_fixup: strip ${f} failed")
      endif()
      set(stripped TRUE)
    endif()
  endforeach()
  if(stripped)
    execute_process(COMMAND sh -c "find usr -type f | LC_ALL=C sort | xargs md5sum > DEBIAN/md5sums"
      WORKING_DIRECTORY "${root}" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "deb_fixup: md5sums of ${deb} failed")
    endif()
  endif()
  # Installed-Size: CPack counts a symbolic link as the file it points to
  execute_process(COMMAND du -sk --apparent-size --exclude=DEBIAN "${root}"
    OUTPUT_VARIABLE du OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REGEX MATCH "^[0-9]+" kib "${du}")
  file(READ "${root}/DEBIAN/control" control)
  string(REGEX REPLACE "\nInstalled-Size: [0-9]+\n" "\nInstalled-Size: ${kib}\n" fixed "${control}")
  if(NOT fixed STREQUAL control)
    file(WRITE "${root}/DEBIAN/control" "${fixed}")
  endif()
  execute_process(COMMAND dpkg-deb --root-owner-group -Zxz -b "${root}" "${deb}"
    RESULT_VARIABLE rc OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "deb_fixup: dpkg-deb -b ${deb} failed")
  endif()
  file(REMOVE_RECURSE "${root}")
endforeach()
