# ---- package: the build a user without the test dependencies gets ----------
# package_bare: plain cmake with only a C compiler (pkg-config, Criterion,
# valgrind and C++ hidden), then a static-only build; both install and run
# the demo (test/package/bare.sh). The install-and-consume test `package` is
# registered in test/CMakeLists.txt.
if(NOT CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$") # a plain build; sanitizers add nothing
  add_test(NAME package_bare
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/package/bare.sh ${PROJECT_SOURCE_DIR}
      ${CMAKE_CURRENT_BINARY_DIR}/package-bare ${CMAKE_COMMAND})
  set_tests_properties(package_bare PROPERTIES TIMEOUT 600)
endif()
