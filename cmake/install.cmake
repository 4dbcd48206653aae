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
set(SHMRING_PC_LIBS_PRIVATE "")
if(SHMRING_HAVE_URCU)
  if(SHMRING_URCU_LIBDIR)
    set(SHMRING_PC_LIBS_PRIVATE "-L${SHMRING_URCU_LIBDIR} ")
  endif()
  string(APPEND SHMRING_PC_LIBS_PRIVATE "-lurcu-common")
endif()
# Paths relative to the .pc file, so the package works wherever it is
# installed (cmake --install --prefix, DESTDIR, a moved tree), as the CMake
# package does; absolute install dirs are used as they are.
set(SHMRING_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(SHMRING_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(SHMRING_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(SHMRING_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH _shmring_pc_up "${CMAKE_INSTALL_PREFIX}/${SHMRING_PC_DIR}"
    "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "/$" "" _shmring_pc_up "${_shmring_pc_up}")
  set(SHMRING_PC_PREFIX "\${pcfiledir}/${_shmring_pc_up}")
  set(SHMRING_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(SHMRING_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/shmring.pc.in ${PROJECT_BINARY_DIR}/shmring.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/shmring.pc DESTINATION ${SHMRING_PC_DIR})
