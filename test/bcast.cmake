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

# ---- broadcast messages (RING_KIND_BCAST | RING_F_BCAST_MSG) ----------------
# stress_bmsg fork|exec bp|lossy C total [bytes [max [churn]]]: messages of
# pseudo-random length 0..max with sequence number and checksum; every one to
# every consumer (back-pressure), received + missed == total with nothing torn
# (lossy); exec starts the consumers as separate programs attaching by name;
# churners join and leave mid-stream. Sanitizer builds move fewer messages;
# `stress_bmsg fork lossy 8 10000000` (or bp) is the 10^7 run.
shmring_program(stress_bmsg stress_bmsg.c)
if(CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$")
  set(_bmsg_total 20000)
else()
  set(_bmsg_total 200000)
endif()
if(NOT SHMRING_TSAN)
  foreach(_pol bp lossy)
    add_test(NAME stress_bmsg_fork_${_pol}_1c COMMAND stress_bmsg fork ${_pol} 1 ${_bmsg_total} 4096 300)
    add_test(NAME stress_bmsg_fork_${_pol}_8c COMMAND stress_bmsg fork ${_pol} 8 ${_bmsg_total} 65536 1000)
    add_test(NAME stress_bmsg_exec_${_pol}_3c COMMAND stress_bmsg exec ${_pol} 3 ${_bmsg_total} 8192 500)
    add_test(NAME stress_bmsg_fork_${_pol}_churn COMMAND stress_bmsg fork ${_pol} 2 ${_bmsg_total} 2048 200 3)
    set_tests_properties(stress_bmsg_fork_${_pol}_1c stress_bmsg_fork_${_pol}_8c
      stress_bmsg_exec_${_pol}_3c stress_bmsg_fork_${_pol}_churn PROPERTIES TIMEOUT 300)
  endforeach()
endif()
shmring_criterion_test(test_bmsg 120 test_bmsg.c)
