# `make test` runs the gcc tree's tests and the sanitizer tree's in one ctest
# (build/suite, written by scripts/suite.sh), which builds the sanitizer tree as a test of
# its own while the gcc tree's tests run. There a sanitizer tree's test is renamed
# asan:NAME (ctest keys labels by name), carries the label `asan` and needs the fixture
# `asan_build` (that build; a fixture nobody sets up, as when this tree's ctest runs
# alone, is ignored); a test labelled `nosan` also `asan-skipped`, which the suite leaves
# out. Its working directory is set explicitly, as the suite's copy of the test lives
# elsewhere. Called at the end of each CMakeLists.txt that adds tests (CMake 3.25 sets a
# test's properties only in its own directory).
function(bqw_mark_sanitized_tests)
  if(NOT BQW_SANITIZE)
    return()
  endif()
  get_property(tests DIRECTORY PROPERTY TESTS)
  foreach(t ${tests})
    get_test_property(${t} LABELS labels)
    if(NOT labels)
      set(labels "")
    endif()
    if("nosan" IN_LIST labels)
      list(APPEND labels asan-skipped)
    endif()
    list(APPEND labels asan)
    get_test_property(${t} WORKING_DIRECTORY dir)
    if(NOT dir)
      set(dir ${CMAKE_CURRENT_BINARY_DIR})
    endif()
    set_tests_properties(${t} PROPERTIES LABELS "${labels}" FIXTURES_REQUIRED asan_build
                         WORKING_DIRECTORY ${dir})
  endforeach()
endfunction()
