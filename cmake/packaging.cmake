# Debian packages with CPack (cpack -G DEB in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr, so that the libraries land in the multiarch
# directory):
#   libshmring0     shmring_lib    libshmring.so.0, libshmring-ffi.so.0
#   libshmring-dev  shmring_dev    headers, .so links, archive, CMake and
#                                  pkg-config files, man pages, examples
#   shmring-tools   shmring_tools  the programs of tools/, their man pages
# test/package/deb.sh builds them and installs them into a scratch root.
set(CPACK_PACKAGE_NAME shmring)
set(CPACK_PACKAGE_VENDOR "the shmring authors")
set(CPACK_PACKAGE_CONTACT "the shmring authors <shmring@invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The examples in libshmring-dev link libshmring.so.0 of the other package.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/src")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)

set(CPACK_COMPONENTS_ALL shmring_lib shmring_dev)
if(SHMRING_BUILD_TOOLS AND EXISTS ${PROJECT_SOURCE_DIR}/tools/CMakeLists.txt)
  list(APPEND CPACK_COMPONENTS_ALL shmring_tools)
endif()

set(CPACK_DEBIAN_SHMRING_LIB_PACKAGE_NAME libshmring${SHMRING_SOVERSION})
set(CPACK_COMPONENT_SHMRING_LIB_DESCRIPTION
  "${PROJECT_DESCRIPTION} (shared libraries)\n libshmring and libshmring-ffi, whose fast path is exported as functions for FFIs.")
# shlibs file and the ldconfig trigger for the shared libraries.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")

set(CPACK_DEBIAN_SHMRING_DEV_PACKAGE_NAME libshmring-dev)
set(CPACK_DEBIAN_SHMRING_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_SHMRING_DEV_DEPENDS shmring_lib)
set(CPACK_COMPONENT_SHMRING_DEV_DESCRIPTION
  "${PROJECT_DESCRIPTION} (development files)\n Headers (C11 and C++17), static archive, CMake and pkg-config files, man pages and examples.")

set(CPACK_DEBIAN_SHMRING_TOOLS_PACKAGE_NAME shmring-tools)
set(CPACK_DEBIAN_SHMRING_TOOLS_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_SHMRING_TOOLS_DEPENDS shmring_lib)
set(CPACK_COMPONENT_SHMRING_TOOLS_DESCRIPTION
  "${PROJECT_DESCRIPTION} (command-line tools)")

# Each package carries the license as Debian's copyright file.
foreach(_comp lib dev tools)
  string(TOUPPER "${_comp}" _COMP)
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${CPACK_DEBIAN_SHMRING_${_COMP}_PACKAGE_NAME}
    RENAME copyright COMPONENT shmring_${_comp} EXCLUDE_FROM_ALL)
endforeach()

include(CPack)
