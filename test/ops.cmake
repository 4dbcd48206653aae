# ---- operations: counters, introspection, the shmring command -------------
# test_stats: counters exact after known sequences made by forked processes,
# the n-1 lap counter read while it moves, ring_inspect on damaged objects.
# Hooked, with unbounded sleeps: a sleeper whose 10 ms slice runs out leaves
# and re-arms, and a push in that gap wakes nobody, so the exact wake count
# of stats::wait_wake_* needs sleeps that end only on a wake.
shmring_criterion_test(test_stats 120 HOOKED test_stats.c hook_none.c)
if(TARGET test_stats)
  set_tests_properties(test_stats PROPERTIES ENVIRONMENT SHMRING_TEST_SLICE_MS=0)
endif()

# The shmring command as a real process against rings of each kind and state
# and against objects that are not rings (test/tool_test.py; python3 parses
# its --json). ops_peer is the separately started program that holds or
# closes a ring.
if(TARGET shmring_tool AND NOT SHMRING_TSAN)
  find_package(Python3 COMPONENTS Interpreter)
  shmring_program(ops_peer ops_peer.c)
  if(Python3_Interpreter_FOUND)
    foreach(_case help ls hostile rm counters watch kinds stale bcast bmsg)
      add_test(NAME tool_${_case}
        COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/tool_test.py
          $<TARGET_FILE:shmring_tool> $<TARGET_FILE:ops_peer> ${_case})
      set_tests_properties(tool_${_case} PROPERTIES TIMEOUT 120)
    endforeach()
  else()
    message(WARNING "python3 not found: the shmring command's tests are skipped")
  endif()
endif()
