# ---- regressions for hostile peers and races (n-1 indices, MPMC close and
# -EBUSY, ring_count under motion, close racing pushes) ----------------------
# Registered by hand rather than with shmring_criterion_test: one test at a
# time (--jobs=1). With two, libcriterion's runner itself reported a 48-byte
# leak under LeakSanitizer at exit (asan preset), although every test passed.
if(NOT SHMRING_TSAN)
  add_executable(test_hostile test_hostile.c)
  target_link_libraries(test_hostile PRIVATE shmring::shmring PkgConfig::CRITERION Threads::Threads
    shmring_warnings)
  target_include_directories(test_hostile PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_compile_definitions(test_hostile PRIVATE _GNU_SOURCE)
  add_test(NAME test_hostile COMMAND test_hostile --jobs=1)
  set_tests_properties(test_hostile PROPERTIES TIMEOUT 300)
endif()
