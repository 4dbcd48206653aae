# ---- blocking layer: wake/close death, hostile words, wake counts ----------
# The hooked library (shmring_testhooks) and shmring_hooked_program are
# defined in test/CMakeLists.txt.

if(NOT SHMRING_TSAN)
  # Kill or stop the waker/closer/sleeper at each hook: nobody stranded.
  shmring_hooked_program(test_wake_kill test_wake_kill.c)
  target_link_libraries(test_wake_kill PRIVATE PkgConfig::CRITERION)
  add_test(NAME test_wake_kill COMMAND test_wake_kill --jobs=2)
  set_tests_properties(test_wake_kill PROPERTIES TIMEOUT 300)
endif()

# Lost wake-up stress: with SHMRING_TEST_SLICE_MS=0 every sleep is unbounded,
# so a lost wake-up hangs the run and the TIMEOUT fails it. The process run
# makes >= 10^7 blocking hand-offs (about a minute here); the threaded run is
# the one ThreadSanitizer can follow.
shmring_hooked_program(stress_wakeup stress_wakeup.c hook_none.c)
if(NOT SHMRING_TSAN)
  add_test(NAME stress_wakeup COMMAND stress_wakeup)
  set_tests_properties(stress_wakeup PROPERTIES TIMEOUT 900
    ENVIRONMENT SHMRING_TEST_SLICE_MS=0)
  # The same with wakers that issue F1 as a fence (no membarrier).
  add_test(NAME stress_wakeup_fence COMMAND stress_wakeup --scale 0.2)
  set_tests_properties(stress_wakeup_fence PROPERTIES TIMEOUT 600
    ENVIRONMENT "SHMRING_TEST_SLICE_MS=0;SHMRING_TEST_WAKE_FENCE=1")
endif()
add_test(NAME stress_wakeup_threads COMMAND stress_wakeup --threads)
set_tests_properties(stress_wakeup_threads PROPERTIES TIMEOUT 600
  ENVIRONMENT SHMRING_TEST_SLICE_MS=0)

# Hostile words: a waiter's CPU time (getrusage) within 1 % of its wait.
# Serial: the bound is the waiter's own CPU, but each of its ~100 wakes a
# second costs more while other tests load both CPUs (caches, run queues),
# which brought it to the bound once under ctest -j3.
shmring_criterion_test(test_wait_hostile 120 SERIAL test_wait_hostile.c)

# 16 MPMC consumers asleep: <= 1.1 voluntary context switches per element.
# Unbounded slices: a sleeper's slice expiry (an idle re-check every 10 ms) is
# a context switch per slice of elapsed time, not per element, so under load
# it would count the run's duration; without slices every switch counted
# follows a wake, and a lost wake-up hangs the run instead.
shmring_hooked_program(wake_count wake_count.c hook_none.c)
if(NOT SHMRING_TSAN)
  add_test(NAME wake_count_16 COMMAND wake_count 4000 16)
  set_tests_properties(wake_count_16 PROPERTIES TIMEOUT 120
    ENVIRONMENT SHMRING_TEST_SLICE_MS=0)
endif()

# Random kill -9 of blocking producers and consumers (SPSC anywhere, MPMC
# asleep): after every kill the stream must move again. Fewer kills under
# the sanitizers.
shmring_program(stress_block_kill stress_block_kill.c)
if(NOT SHMRING_TSAN)
  if(CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$")
    set(_block_kills 200)
  else()
    set(_block_kills 1000)
  endif()
  foreach(_kind spsc mpmc)
    add_test(NAME stress_block_kill_${_kind} COMMAND stress_block_kill ${_kind} ${_block_kills})
    set_tests_properties(stress_block_kill_${_kind} PROPERTIES TIMEOUT 300)
  endforeach()
endif()

# Readiness descriptors across processes: 10^6 messages each way between
# this program and an exec'd peer, every wait an epoll_wait, bursts and idle
# gaps on both sides; again with unbounded timeouts (a lost wake-up hangs,
# the watchdog and TIMEOUT fail it). Fewer under the sanitizers.
shmring_hooked_program(waitfd_stream waitfd_stream.c hook_none.c)
if(NOT SHMRING_TSAN)
  if(CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$")
    set(_waitfd_msgs 200000)
  else()
    set(_waitfd_msgs 1000000)
  endif()
  add_test(NAME waitfd_stream COMMAND waitfd_stream ${_waitfd_msgs} 1)
  add_test(NAME waitfd_stream_unbounded COMMAND waitfd_stream ${_waitfd_msgs} 2)
  set_tests_properties(waitfd_stream waitfd_stream_unbounded PROPERTIES TIMEOUT 300)
  set_tests_properties(waitfd_stream_unbounded PROPERTIES ENVIRONMENT SHMRING_TEST_SLICE_MS=0)
  # Socket descriptors (RING_WAITFD_SOCKET), unbounded: a fifth of the count.
  math(EXPR _waitfd_sock_msgs "${_waitfd_msgs} / 5")
  add_test(NAME waitfd_stream_socket COMMAND waitfd_stream ${_waitfd_sock_msgs} 3)
  set_tests_properties(waitfd_stream_socket PROPERTIES TIMEOUT 300
    ENVIRONMENT "SHMRING_TEST_SLICE_MS=0;SHMRING_TEST_WAITFD_SOCKET=1")
endif()
