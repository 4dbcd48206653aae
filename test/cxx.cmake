# ---- C++ wrapper: include/shmring/shmring.hpp -------------------------------
# test_cxx_api: the wrapper built with -fno-exceptions under -Wall -Wextra
# -Wpedantic -Wold-style-cast -Wconversion (-Wuseless-cast with g++) -Werror:
# error category and std::errc mapping, move-only handle, ring<T>'s element
# size check, results, chrono deadlines, a fork()ed producer.
# cxx_strict_clang: the same source checked by clang++ when it is installed.
# cxx_rejects_nontrivial: ring<std::string> must not compile.
# cxx_overhead: callgrind counts the same instructions per push+pop pair
# through ring<T> as through the C inline calls (test/cxx/overhead.sh).
if(NOT CMAKE_CXX_COMPILER OR SHMRING_TSAN OR NOT TARGET shmring)
  return()
endif()

set(SHMRING_CXX_STRICT -Wall -Wextra -Wpedantic -Wold-style-cast -Wconversion
  -Wsign-conversion -Werror -fno-exceptions)
set(_shmring_gxx_strict ${SHMRING_CXX_STRICT})
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND _shmring_gxx_strict -Wuseless-cast)
endif()

add_executable(test_cxx_api test_cxx_api.cpp)
target_link_libraries(test_cxx_api PRIVATE shmring::shmring)
target_compile_options(test_cxx_api PRIVATE ${_shmring_gxx_strict})
set_target_properties(test_cxx_api PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
  CXX_EXTENSIONS OFF)
add_test(NAME test_cxx_api COMMAND test_cxx_api)
set_tests_properties(test_cxx_api PROPERTIES TIMEOUT 120)

find_program(SHMRING_CLANGXX NAMES clang++)
if(SHMRING_CLANGXX AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  add_test(NAME cxx_strict_clang
    COMMAND ${SHMRING_CLANGXX} -std=c++17 -fsyntax-only ${SHMRING_CXX_STRICT}
      -I${PROJECT_SOURCE_DIR}/include ${CMAKE_CURRENT_SOURCE_DIR}/test_cxx_api.cpp
      ${CMAKE_CURRENT_SOURCE_DIR}/cxx/overhead.cpp)
  set_tests_properties(cxx_strict_clang PROPERTIES TIMEOUT 120)
endif()

add_test(NAME cxx_rejects_nontrivial
  COMMAND ${CMAKE_CXX_COMPILER} -std=c++17 -fsyntax-only -I${PROJECT_SOURCE_DIR}/include
    ${CMAKE_CURRENT_SOURCE_DIR}/cxx/nontrivial.cpp)
set_tests_properties(cxx_rejects_nontrivial PROPERTIES TIMEOUT 60
  PASS_REGULAR_EXPRESSION "T must be trivially copyable")

# Instruction counts mean something only for optimised, uninstrumented code.
if(NOT CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan|Debug)$")
  find_program(SHMRING_VALGRIND valgrind)
  if(NOT SHMRING_VALGRIND)
    shmring_missing("the C++ overhead check" "valgrind")
  else()
    add_executable(cxx_overhead cxx/overhead.cpp cxx/overhead_c.c)
    target_link_libraries(cxx_overhead PRIVATE shmring::shmring)
    target_compile_options(cxx_overhead PRIVATE -O2
      "$<$<COMPILE_LANGUAGE:CXX>:${_shmring_gxx_strict}>")
    set_target_properties(cxx_overhead PROPERTIES CXX_STANDARD 17 CXX_STANDARD_REQUIRED ON
      C_STANDARD 11 C_EXTENSIONS OFF)
    add_test(NAME cxx_overhead
      COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cxx/overhead.sh ${SHMRING_VALGRIND}
        $<TARGET_FILE:cxx_overhead>)
    set_tests_properties(cxx_overhead PROPERTIES TIMEOUT 300)
  endif()
endif()
