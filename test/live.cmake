# ---- liveness: participants, roles, repair, death-aware waits ---------------
# test_live: real processes (fork), deterministic death and stop points.
shmring_criterion_test(test_live 120 test_live.c)
# A creator killed at random points of ring_create (small and big rings):
# never an unusable name. Fewer kills under the sanitizers.
shmring_program(stress_create_kill stress_create_kill.c)
if(CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$")
  add_test(NAME stress_create_kill COMMAND stress_create_kill 60)
else()
  add_test(NAME stress_create_kill COMMAND stress_create_kill 240)
endif()
set_tests_properties(stress_create_kill PROPERTIES TIMEOUT 300)
