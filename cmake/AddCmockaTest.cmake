# add_cmocka_test(NAME SOURCES src... [LABELS l...]): one cmocka test program, run by ctest.
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)

function(add_cmocka_test name)
    cmake_parse_arguments(T "" "" "SOURCES;LABELS" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/core
        ${PROJECT_SOURCE_DIR}/indexer ${PROJECT_SOURCE_DIR}/searcher ${PROJECT_SOURCE_DIR}/tests)
    target_compile_definitions(${name} PRIVATE _POSIX_C_SOURCE=200809L
        JKB_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared"
        JKB_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        JKB_DATA_DIR_FOR_TESTS="${JKB_DATA_DIR}")
    target_link_libraries(${name} PRIVATE jikenbo_core PkgConfig::CMOCKA)
    jkb_warnings(${name})
    add_test(NAME ${name} COMMAND ${name})
    if(T_LABELS)
        set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}")
    endif()
endfunction()
