include(CMakePackageConfigHelpers)

install(TARGETS shmring shmring_static EXPORT shmringTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/shmring
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(SHMRING_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/shmring)
install(EXPORT shmringTargets NAMESPACE shmring:: DESTINATION ${SHMRING_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/shmringConfig.cmake.in
  ${PROJECT_BINARY_DIR}/shmringConfig.cmake
  INSTALL_DESTINATION ${SHMRING_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/shmringConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/shmringConfig.cmake
  ${PROJECT_BINARY_DIR}/shmringConfigVersion.cmake
  DESTINATION ${SHMRING_CMAKE_DIR})

# pkg-config: -lshmring picks the shared library; --static adds what the
# archive needs.
if(SHMRING_HAVE_URCU)
  set(SHMRING_PC_LIBS_PRIVATE "-lurcu-common")
else()
  set(SHMRING_PC_LIBS_PRIVATE "")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/shmring.pc.in ${PROJECT_BINARY_DIR}/shmring.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/shmring.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
