# ---- Relacy models of the ring protocols (test/relacy/) --------------------
# Each model is a C++ program checked by Relacy (Debian's relacy-dev: C++11
# atomics under the relaxed memory model, store buffering and fences
# included). One ctest entry runs each model and must pass; one per mutation
# builds the model with -DMUT_<edge>=1 (that fence dropped, or that
# acquire/release edge weakened to relaxed) and must FAIL (WILL_FAIL): the
# catch is demonstrated on every run. Skipped under the sanitizer build types
# (the models are simulations: nothing for a sanitizer to see) and where
# relacy-dev or a C++ compiler is missing.
if(CMAKE_CXX_COMPILER AND NOT CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$")
  find_path(SHMRING_RELACY_INCLUDE relacy/relacy.hpp)
  mark_as_advanced(SHMRING_RELACY_INCLUDE)
endif()
if(SHMRING_RELACY_INCLUDE)
  function(shmring_relacy_model name src)
    cmake_parse_arguments(M "" "" "DEFS;MUTANTS" ${ARGN})
    set(_variants "base")
    list(APPEND _variants ${M_MUTANTS})
    foreach(_v IN LISTS _variants)
      if(_v STREQUAL "base")
        set(_exe relacy_${name})
      else()
        string(TOLOWER "${_v}" _lv)
        string(REPLACE "+" "_" _lv "${_lv}")
        set(_exe relacy_${name}_mut_${_lv})
      endif()
      add_executable(${_exe} ${CMAKE_CURRENT_SOURCE_DIR}/relacy/${src})
      target_include_directories(${_exe} PRIVATE ${SHMRING_RELACY_INCLUDE}
        ${CMAKE_CURRENT_SOURCE_DIR}/relacy)
      set_target_properties(${_exe} PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON)
      # Relacy's headers are not -Wall clean; the models are small, -O1
      # keeps the build short and the search fast enough.
      target_compile_options(${_exe} PRIVATE -w -O1 -g0)
      target_compile_definitions(${_exe} PRIVATE ${M_DEFS})
      if(NOT _v STREQUAL "base")
        string(REPLACE "+" ";" _muts "${_v}")
        foreach(_m IN LISTS _muts)
          target_compile_definitions(${_exe} PRIVATE MUT_${_m}=1)
        endforeach()
      endif()
      add_test(NAME ${_exe} COMMAND ${_exe})
      set_tests_properties(${_exe} PROPERTIES TIMEOUT 300)
      if(NOT _v STREQUAL "base")
        set_tests_properties(${_exe} PROPERTIES WILL_FAIL TRUE)
      endif()
    endforeach()
  endfunction()

  # SPSC hand-off: R1/A2 (tail), R2/A1 (head).
  shmring_relacy_model(spsc_handoff spsc_handoff.cpp MUTANTS R1 A2 R2 A1)
  # Message ring hand-off by commit words: R_M3/A_M3 (commit), R_M2/A_M2
  # (head).
  shmring_relacy_model(msg_commit msg_commit.cpp MUTANTS RM3 AM3 RM2 AM2)
  # MPMC slot words and the close bit: R3/A4 (publish), R4/A3 (free), the
  # claim CAS that the closed bit fails.
  shmring_relacy_model(mpmc_close mpmc_close.cpp MUTANTS A3 R3 A4 R4 CLAIM)
  # Wait/wake with F1 as a fence: either fence dropped, the s/bump pair
  # relaxed with F1 gone, a flag in place of the count, the futex sleepers'
  # count (fxw) raised after the arm.
  shmring_relacy_model(wait_wake_fence wait_wake.cpp MUTANTS F1 F2 SEQ+F1 FLAG FXW)
  # Wait/wake with the membarrier: the sleeper's membarrier dropped, a flag,
  # fxw raised late.
  shmring_relacy_model(wait_wake_membarrier wait_wake.cpp DEFS MEMBARRIER MUTANTS F2 FLAG FXW)
else()
  message(STATUS "shmring: Relacy models skipped (relacy-dev or C++ missing, or a sanitizer build)")
endif()
