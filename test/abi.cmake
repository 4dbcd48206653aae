# ---- ABI: exported symbols, the FFI library from Python ---------------------
# abi_symbols: the headers' RING_API (and RING_INLINE) functions, the version
# scripts src/shmring.map / src/shmring-ffi.map and the libraries' dynamic
# exports are the same lists, every export versioned (test/abi/symbols.sh
# names what is missing where).
# ffi_python: Python ctypes drives libshmring-ffi.so against ffi_peer, a C
# program started separately, in both directions (test/ffi_test.py).
if(TARGET shmring)
  set(_shmring_ffi_so "")
  if(TARGET shmring_ffi)
    set(_shmring_ffi_so $<TARGET_FILE:shmring_ffi>)
  endif()
  add_test(NAME abi_symbols
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/abi/symbols.sh ${PROJECT_SOURCE_DIR}
      $<TARGET_FILE:shmring> ${_shmring_ffi_so})
  set_tests_properties(abi_symbols PROPERTIES TIMEOUT 60)
endif()

if(TARGET shmring_ffi AND NOT SHMRING_TSAN)
  find_package(Python3 COMPONENTS Interpreter)
  if(NOT Python3_Interpreter_FOUND)
    shmring_missing("the Python FFI test" "python3")
  else()
    shmring_program(ffi_peer ffi_peer.c)
    add_test(NAME ffi_python
      COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/ffi_test.py
        $<TARGET_FILE:shmring_ffi> $<TARGET_FILE:ffi_peer>)
    set_tests_properties(ffi_python PROPERTIES TIMEOUT 300)
    string(TOUPPER "${CMAKE_BUILD_TYPE}" _shmring_bt)
    if(_shmring_bt STREQUAL "ASAN")
      # A sanitized library loaded into an unsanitized python needs the
      # runtime preloaded; leak reports would be python's own.
      execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
        OUTPUT_VARIABLE _asan_rt OUTPUT_STRIP_TRAILING_WHITESPACE)
      execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so
        OUTPUT_VARIABLE _ubsan_rt OUTPUT_STRIP_TRAILING_WHITESPACE)
      set_tests_properties(ffi_python PROPERTIES ENVIRONMENT
        "LD_PRELOAD=${_asan_rt}:${_ubsan_rt};ASAN_OPTIONS=detect_leaks=0")
    endif()
  endif()
endif()
