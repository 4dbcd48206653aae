# ---- message and byte-stream rings, zero-copy spans ------------------------
shmring_criterion_test(test_msg 120 test_msg.c)
shmring_criterion_test(test_bytes 120 test_bytes.c)

# stress_msg MODE KIND REGION P TOTAL MAX SLOTS API [FLAGS] (see the file):
# every message checked byte for byte, per producer in order, none lost or
# duplicated; byte streams checked byte for byte and by checksum. 10^7
# messages and 1 GiB per large configuration in dev, a tenth under ASan,
# threads only (and fewer) under TSan.
shmring_program(stress_msg stress_msg.c)
if(CMAKE_BUILD_TYPE STREQUAL "Tsan")
  set(_msg_big 200000)
  set(_msg_small 50000)
  set(_bytes_big 67108864)
elseif(CMAKE_BUILD_TYPE STREQUAL "Asan")
  set(_msg_big 1000000)
  set(_msg_small 200000)
  set(_bytes_big 134217728)
else()
  set(_msg_big 10000000)
  set(_msg_small 1000000)
  set(_bytes_big 1073741824)
endif()
set(_msg_tests "")
macro(shmring_msg_stress tname)
  add_test(NAME ${tname} COMMAND stress_msg ${ARGN})
  list(APPEND _msg_tests ${tname})
endmacro()
if(NOT SHMRING_TSAN)
  # One producer: copies through the fast path; zero-copy and a mix (burst,
  # peek, aborted reservations) by separately started programs on a ring of
  # four largest records, so that most records straddle or meet the wrap.
  shmring_msg_stress(stress_msg_sp_fork proc msg anon 1 ${_msg_big} 256 65536 copy)
  shmring_msg_stress(stress_msg_sp_exec_mix exec msg named 1 ${_msg_big} 1000 65536 mix)
  shmring_msg_stress(stress_msg_sp_exec_small_zc exec msg named 1 ${_msg_small} 1000 4096 zc)
  # Eight producer processes into one consumer.
  shmring_msg_stress(stress_msg_mp8_fork_mix proc msg memfd 8 ${_msg_big} 256 65536 mix)
  shmring_msg_stress(stress_msg_mp8_exec_zc exec msg named 8 ${_msg_big} 200 65536 zc)
  # Blocking calls (sleeps and wake-ups on every side).
  shmring_msg_stress(stress_msg_mp3_fork_block proc msg mem 3 ${_msg_small} 512 8192 mix b)
  shmring_msg_stress(stress_msg_sp_exec_block exec msg named 1 ${_msg_small} 300 1024 mix b)
  # Byte stream: 1 GiB in random pieces, then a blocking run.
  shmring_msg_stress(stress_bytes_fork_mix proc bytes anon 1 ${_bytes_big} 8192 65536 mix)
  shmring_msg_stress(stress_bytes_exec_block exec bytes named 1 ${_msg_big} 3000 4096 mix b)
endif()
# Threads: the variants ThreadSanitizer follows (run in every build).
shmring_msg_stress(stress_msg_thread_sp thread msg mem 1 ${_msg_small} 700 2048 mix)
shmring_msg_stress(stress_msg_thread_mp4 thread msg named 4 ${_msg_small} 300 4096 mix)
shmring_msg_stress(stress_msg_thread_mp2_block thread msg memfd 2 ${_msg_small} 100 1024 mix b)
shmring_msg_stress(stress_bytes_thread thread bytes mem 1 ${_msg_small}0 2000 1024 mix)
shmring_msg_stress(stress_bytes_thread_block thread bytes memfd 1 ${_msg_small}0 5000 4096 mix b)
set_tests_properties(${_msg_tests} PROPERTIES TIMEOUT 300)
