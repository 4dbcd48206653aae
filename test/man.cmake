# ---- man pages ---------------------------------------------------------------
# man_pages: mandoc -T lint on every page in man/, a page (or .so link) for
# every exported ring_* call of the built libraries, links and .Xr references
# resolve (test/man/check.sh names what is missing).
find_program(SHMRING_MANDOC mandoc)
if(NOT SHMRING_MANDOC)
  shmring_missing("the man page check" "mandoc")
elseif(TARGET shmring)
  set(_shmring_man_libs $<TARGET_FILE:shmring>)
  if(TARGET shmring_ffi)
    list(APPEND _shmring_man_libs $<TARGET_FILE:shmring_ffi>)
  endif()
  add_test(NAME man_pages
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/man/check.sh ${PROJECT_SOURCE_DIR}
      ${SHMRING_MANDOC} ${_shmring_man_libs})
  set_tests_properties(man_pages PROPERTIES TIMEOUT 60)
endif()
