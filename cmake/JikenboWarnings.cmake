# Warning flags and sanitizers for every jikenbo target.
set(JKB_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wformat=2 -Wvla -Wcast-qual -Wundef -Wconversion -Wno-sign-conversion)
if(ENABLE_WERROR)
    list(APPEND JKB_WARNINGS -Werror)
endif()

if(SANITIZE)
    add_compile_options(-fsanitize=${SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=${SANITIZE})
endif()

function(jkb_warnings target)
    target_compile_options(${target} PRIVATE ${JKB_WARNINGS})
endfunction()
