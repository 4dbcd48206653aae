# Install rules and the exported package (CMake config, pkg-config files).
#
# Included in every configuration: the export set shmringTargets must exist
# for a parent project that add_subdirectory()s shmring and install(EXPORT)s
# a target linking it. With SHMRING_INSTALL off, every rule belongs to the
# component shmring_unused, which `cmake --install` leaves out.
include(CMakePackageConfigHelpers)

if(SHMRING_INSTALL)
  set(_shmring_dev COMPONENT shmring_dev)
  set(_shmring_lib COMPONENT shmring_lib)
  set(_shmring_namelink shmring_dev)
else()
  set(_shmring_dev COMPONENT shmring_unused EXCLUDE_FROM_ALL)
  set(_shmring_lib ${_shmring_dev})
  set(_shmring_namelink shmring_unused)
endif()

set(SHMRING_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/shmring)
install(TARGETS ${SHMRING_LIB_TARGETS} EXPORT shmringTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} ${_shmring_lib}
    NAMELINK_COMPONENT ${_shmring_namelink}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} ${_shmring_dev}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} ${_shmring_lib}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT shmringTargets NAMESPACE shmring:: DESTINATION ${SHMRING_CMAKE_DIR}
  ${_shmring_dev})

if(NOT SHMRING_INSTALL)
  return()
endif()

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/shmring
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${_shmring_dev})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE ${PROJECT_SOURCE_DIR}/README.md
  ${PROJECT_SOURCE_DIR}/CHANGELOG.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} ${_shmring_dev})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/shmringConfig.cmake.in
  ${PROJECT_BINARY_DIR}/shmringConfig.cmake
  INSTALL_DESTINATION ${SHMRING_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/shmringConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/shmringConfig.cmake
  ${PROJECT_BINARY_DIR}/shmringConfigVersion.cmake
  DESTINATION ${SHMRING_CMAKE_DIR} ${_shmring_dev})

# pkg-config. shmring.pc: -lshmring, which the linker resolves to the shared
# library when there is one. shmring-static.pc: the archive by path, so a
# static link needs no -Wl,-Bstatic (`pkg-config --static --libs
# shmring-static`). liburcu, when the library was built with it, is a
# Requires.private, never a path of the build machine.
set(SHMRING_PC_REQUIRES_PRIVATE "")
if(SHMRING_HAVE_URCU)
  set(SHMRING_PC_REQUIRES_PRIVATE "liburcu")
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
install(FILES ${PROJECT_BINARY_DIR}/shmring.pc DESTINATION ${SHMRING_PC_DIR} ${_shmring_dev})
if(SHMRING_BUILD_STATIC)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/shmring-static.pc.in
    ${PROJECT_BINARY_DIR}/shmring-static.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/shmring-static.pc DESTINATION ${SHMRING_PC_DIR}
    ${_shmring_dev})
endif()

# Man pages (man/): section 3 and 7 with the headers, section 1 with the tools.
foreach(_sec 1 3 7)
  file(GLOB _shmring_man CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.${_sec})
  if(_shmring_man)
    if(_sec STREQUAL "1")
      set(_comp COMPONENT shmring_tools)
    else()
      set(_comp ${_shmring_dev})
    endif()
    install(FILES ${_shmring_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${_sec} ${_comp})
  endif()
endforeach()

# Debian packages (cpack -G DEB), for the project built on its own.
if(PROJECT_IS_TOP_LEVEL)
  include(${PROJECT_SOURCE_DIR}/cmake/packaging.cmake)
endif()
