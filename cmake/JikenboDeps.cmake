# Third-party libraries, all from Debian 12 packages (scripts/debian-packages.txt).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(LMDB REQUIRED IMPORTED_TARGET lmdb)
pkg_check_modules(ZLIB REQUIRED IMPORTED_TARGET zlib)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)

# MeCab ships mecab-config rather than a pkg-config file.
find_program(MECAB_CONFIG mecab-config REQUIRED)
execute_process(COMMAND ${MECAB_CONFIG} --libs OUTPUT_VARIABLE MECAB_LIBS
    OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${MECAB_CONFIG} --inc-dir OUTPUT_VARIABLE MECAB_INC
    OUTPUT_STRIP_TRAILING_WHITESPACE)
separate_arguments(MECAB_LIBS UNIX_COMMAND "${MECAB_LIBS}")
add_library(MeCab::MeCab INTERFACE IMPORTED)
set_target_properties(MeCab::MeCab PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${MECAB_INC}"
    INTERFACE_LINK_LIBRARIES "${MECAB_LIBS}")

find_program(MECAB_DICT_INDEX mecab-dict-index PATHS /usr/lib/mecab /usr/libexec/mecab REQUIRED)
set(MECAB_IPADIC_SRC /usr/share/mecab/dic/ipadic CACHE PATH "IPADIC source (mecab-ipadic)")
