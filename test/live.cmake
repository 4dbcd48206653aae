# ---- liveness: participants, roles, repair, death-aware waits ---------------
# test_live: real processes (fork), deterministic death and stop points.
shmring_criterion_test(test_live 120 test_live.c)
# A creator killed at random points of ring_create (small and big rings):
# never an unusable name. Fewer kills under the sanitizers.
# Both are process programs: not run under ThreadSanitizer (it follows
# threads, not processes).
if(NOT SHMRING_TSAN)
shmring_program(stress_create_kill stress_create_kill.c)
if(CMAKE_BUILD_TYPE STREQUAL "Asan")
  add_test(NAME stress_create_kill COMMAND stress_create_kill 60)
else()
  add_test(NAME stress_create_kill COMMAND stress_create_kill 240)
endif()
set_tests_properties(stress_create_kill PROPERTIES TIMEOUT 300)
# kill -9 at random points of push, pop, bulk, burst, waits and attach (SPSC
# all three rules, MPMC, many-producer message rings; blocking and spinning): 0 wedged, 0 lost committed
# elements beyond the documented ones, 0 duplicates, FIFO per producer.
# 2100 kills in the dev suite (a few seconds each here), fewer under the
# sanitizers.
shmring_program(stress_kill stress_kill.c)
if(CMAKE_BUILD_TYPE STREQUAL "Asan")
  set(_kills 100)
else()
  set(_kills 350)
endif()
foreach(_v "spsc-count;block" "spsc-n1;spin" "spsc-seq;block" "spsc-seq;spin" "mpmc;block" "mpmc;spin" "msg;block" "msg;spin")
  list(GET _v 0 _kind)
  list(GET _v 1 _wait)
  add_test(NAME stress_kill_${_kind}_${_wait} COMMAND stress_kill ${_kind} ${_wait} ${_kills})
  set_tests_properties(stress_kill_${_kind}_${_wait} PROPERTIES TIMEOUT 300)
endforeach()
endif()
# live_timing: how long a death takes to be noticed (README figures); a
# measurement, built but not run by ctest.
if(NOT SHMRING_TSAN)
  shmring_program(live_timing live_timing.c)
endif()
