# Sourced by the shell tests: check NAME EXPECTED-STATUS ACTUAL-STATUS [GREP-PATTERN FILE]
# counts a pass or prints the failure (with the start of $tmp/out); $passed and $failed.
passed=0
failed=0

check() {
    if [ "$2" != "$3" ]; then
        echo "FAIL $1: exit status $3, expected $2"
        [ -f "$tmp/out" ] && sed 's/^/    /' "$tmp/out" | head -c 2000
        failed=$((failed + 1))
        return
    fi
    if [ $# -ge 5 ] && ! grep -q -- "$4" "$5"; then
        echo "FAIL $1: no \"$4\" in output:"
        head -c 2000 "$5"
        failed=$((failed + 1))
        return
    fi
    passed=$((passed + 1))
}
