//! The completion scripts of bash, zsh and fish: each hands the words of the command line, up to
//! the one at the cursor, to `dmap __complete -- WORDS...` and offers the lines it prints
//! (`CANDIDATE` or `CANDIDATE<TAB>HELP`); a line `:files` asks the shell for file names too.
//! Whatever dmap writes on stderr goes nowhere.

pub(super) const BASH: &str = r#"# dmap completion for bash: `source <(dmap completions bash)`
_dmap() {
    local cur="${COMP_WORDS[COMP_CWORD]}" line files=""
    local -a lines
    mapfile -t lines < <(dmap __complete -- "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
    COMPREPLY=()
    for line in "${lines[@]}"; do
        if [[ "$line" == ":files" ]]; then
            files=1
        else
            COMPREPLY+=("${line%%$'\t'*}")
        fi
    done
    if [[ -n "$files" ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
    fi
}
complete -F _dmap dmap
"#;

pub(super) const ZSH: &str = r#"#compdef dmap
# dmap completion for zsh: write it as `_dmap` to a directory on $fpath

_dmap() {
    local -a lines candidates
    local line value files=""
    lines=("${(@f)$(dmap __complete -- "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    for line in "${lines[@]}"; do
        [[ -z "$line" ]] && continue
        if [[ "$line" == ":files" ]]; then
            files=1
            continue
        fi
        value="${line%%$'\t'*}"
        if [[ "$line" == *$'\t'* ]]; then
            candidates+=("${value//:/\\:}:${line#*$'\t'}")
        else
            candidates+=("${value//:/\\:}")
        fi
    done
    (( ${#candidates} )) && _describe -t dmap 'dmap' candidates
    [[ -n "$files" ]] && _files
    return 0
}

if [[ "$funcstack[1]" == "_dmap" ]]; then
    _dmap "$@"
else
    compdef _dmap dmap
fi
"#;

pub(super) const FISH: &str = r#"# dmap completion for fish: `dmap completions fish > ~/.config/fish/completions/dmap.fish`
function __dmap_complete
    set -l words (commandline -opc)
    set -e words[1]
    set -l current (commandline -ct)
    for line in (dmap __complete -- $words "$current" 2>/dev/null)
        if test "$line" = ":files"
            __fish_complete_path "$current"
        else
            printf '%s\n' $line
        end
    end
end
complete -c dmap -f -a '(__dmap_complete)'
"#;
