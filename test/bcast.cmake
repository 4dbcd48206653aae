# ---- broadcast (RING_KIND_BCAST) -------------------------------------------
# stress_bcast proc|thread bp|lossy C total [slots [elem [churn]]]: every
# element to every consumer (back-pressure), received + missed == total with
# nothing torn and order kept (lossy); churners join and leave mid-stream.
# Sanitizer builds move fewer elements.
shmring_program(stress_bcast stress_bcast.c)
if(CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$")
  set(_bcast_total 1000000)
else()
  set(_bcast_total 10000000)
endif()
math(EXPR _bcast_small "${_bcast_total} / 10")
if(NOT SHMRING_TSAN)
  foreach(_c 1 2 4 8)
    add_test(NAME stress_bcast_proc_bp_${_c}c COMMAND stress_bcast proc bp ${_c} ${_bcast_total} 1024 16)
    add_test(NAME stress_bcast_proc_lossy_${_c}c COMMAND stress_bcast proc lossy ${_c} ${_bcast_total} 1024 16)
    set_tests_properties(stress_bcast_proc_bp_${_c}c stress_bcast_proc_lossy_${_c}c PROPERTIES TIMEOUT 300)
  endforeach()
  # Joining and leaving mid-stream, odd slot count, larger elements.
  add_test(NAME stress_bcast_proc_bp_churn COMMAND stress_bcast proc bp 2 ${_bcast_small} 100 40 3)
  add_test(NAME stress_bcast_proc_lossy_churn COMMAND stress_bcast proc lossy 2 ${_bcast_small} 100 40 3)
  set_tests_properties(stress_bcast_proc_bp_churn stress_bcast_proc_lossy_churn PROPERTIES TIMEOUT 300)
endif()
# Threads (the variant ThreadSanitizer can follow; run in every build).
add_test(NAME stress_bcast_thread_bp COMMAND stress_bcast thread bp 3 ${_bcast_small} 64 24 2)
add_test(NAME stress_bcast_thread_lossy COMMAND stress_bcast thread lossy 3 ${_bcast_small} 64 24 2)
set_tests_properties(stress_bcast_thread_bp stress_bcast_thread_lossy PROPERTIES TIMEOUT 300)
shmring_criterion_test(test_bcast 120 test_bcast.c)
