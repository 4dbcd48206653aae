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

# package_deb: cpack -G DEB (libshmring0, libshmring-dev, shmring-tools when
# tools/ exists), contents and dependencies checked, installed with
# dpkg --root into a scratch root and built against (test/package/deb.sh).
find_program(SHMRING_DPKG dpkg)
find_program(SHMRING_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(CMAKE_BUILD_TYPE MATCHES "^(Asan|Tsan)$")
  # a plain release build; sanitizers add nothing
elseif(NOT SHMRING_DPKG OR NOT SHMRING_DPKG_SHLIBDEPS)
  shmring_missing("the Debian package test" "dpkg and dpkg-dev")
else()
  add_test(NAME package_deb
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/package/deb.sh ${PROJECT_SOURCE_DIR}
      ${CMAKE_CURRENT_BINARY_DIR}/package-deb ${CMAKE_COMMAND} ${CMAKE_CPACK_COMMAND}
      ${CMAKE_C_COMPILER})
  set_tests_properties(package_deb PROPERTIES TIMEOUT 600)
endif()
