//! A Dockerfile's text as the Engine's parser reads it into instructions: a line that is not
//! blank and not a comment starts one, a line ending in the escape character (`\`, or what an
//! `# escape=` directive says) continues it, comment lines inside one are skipped. And what a
//! `RUN` asks of the builder before its command: `--mount=type=...` (BuildKit only; `secret`
//! and `ssh` need a session that provides them).

/// One instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Logical<'a> {
    /// Where its first line starts in the text (bytes).
    pub offset: usize,
    /// Its first line's number (1-based).
    pub line: usize,
    pub first_line: &'a str,
    /// Its lines joined, each escape at a line's end removed, comment lines left out.
    pub text: String,
}

/// The instructions of `text`, in order.
pub(crate) fn instructions(text: &str) -> Vec<Logical<'_>> {
    let escape = escape_char(text);
    let mut out: Vec<Logical<'_>> = Vec::new();
    let mut offset = 0;
    let mut continued = false;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches('\n').trim_end_matches('\r');
        let trimmed = body.trim();
        let joined = |body: &str| body.trim_end().strip_suffix(escape).map(str::to_string);
        if continued {
            if !trimmed.starts_with('#') {
                if let Some(current) = out.last_mut() {
                    match joined(body) {
                        Some(part) => current.text.push_str(&part),
                        None => {
                            current.text.push_str(body);
                            continued = false;
                        }
                    }
                }
            }
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
            let (text, more) = match joined(body) {
                Some(part) => (part, true),
                None => (body.to_string(), false),
            };
            out.push(Logical {
                offset,
                line: n + 1,
                first_line: body,
                text,
            });
            continued = more;
        }
        offset += line.len();
    }
    out
}

/// The escape character: `\`, or the one a leading `# escape=` parser directive names.
fn escape_char(text: &str) -> char {
    for line in text.lines() {
        let Some(directive) = line.trim().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = directive.split_once('=') else {
            break;
        };
        if key.trim().eq_ignore_ascii_case("escape") {
            if let Some(c) = value.trim().chars().next() {
                return c;
            }
        }
    }
    '\\'
}

/// A `RUN --mount=...` of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RunMount {
    /// The instruction's index among the text's instructions.
    pub index: usize,
    /// Its first line's number (1-based).
    pub line: usize,
    /// The mount's `type` (`bind` when it names none).
    pub kind: String,
    /// A secret's or ssh agent's `id`: as given, else the last part of its `target` (BuildKit's
    /// default).
    pub id: Option<String>,
}

/// The `--mount` flags of the text's `RUN` instructions.
pub(crate) fn run_mounts(text: &str) -> Vec<RunMount> {
    let mut out = Vec::new();
    for (index, i) in instructions(text).iter().enumerate() {
        let mut words = i.text.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("RUN")) {
            continue;
        }
        for word in words.take_while(|w| w.starts_with("--")) {
            let Some(spec) = word.strip_prefix("--mount=") else {
                continue;
            };
            let field = |name: &str| {
                spec.split(',')
                    .filter_map(|field| field.split_once('='))
                    .find(|(k, _)| k.trim_matches('"') == name)
                    .map(|(_, v)| v.trim_matches('"').to_string())
            };
            let kind = field("type").unwrap_or_else(|| "bind".into());
            let id = field("id").or_else(|| {
                field("target")
                    .or_else(|| field("dst"))
                    .or_else(|| field("destination"))
                    .and_then(|t| t.rsplit('/').next().map(str::to_string))
                    .filter(|t| !t.is_empty())
            });
            out.push(RunMount {
                index,
                line: i.line,
                kind,
                id,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instructions_are_read_as_the_engine_reads_them() {
        let text = "# syntax=docker/dockerfile:1\nFROM scratch AS a\n\nRUN a \\\n  # a comment\n  b \\\n  c\nCOPY x /x\n";
        let got: Vec<(usize, &str, String)> = instructions(text)
            .into_iter()
            .map(|i| (i.line, i.first_line, i.text))
            .collect();
        assert_eq!(
            got,
            [
                (2, "FROM scratch AS a", "FROM scratch AS a".to_string()),
                (4, "RUN a \\", "RUN a   b   c".to_string()),
                (8, "COPY x /x", "COPY x /x".to_string()),
            ]
        );
        let escaped = "# escape=`\nFROM scratch\nRUN a `\n b\n";
        let texts: Vec<String> = instructions(escaped).into_iter().map(|i| i.text).collect();
        assert_eq!(texts, ["FROM scratch", "RUN a  b"]);
    }

    #[test]
    fn a_secrets_id_is_given_or_the_last_part_of_its_target() {
        let ids: Vec<Option<String>> = run_mounts(
            "FROM scratch\nRUN --mount=type=secret,id=token --mount=type=secret,target=/run/k --mount=type=secret,id=a,dst=/x/b --mount=type=cache,target=/c make\n",
        )
        .into_iter()
        .map(|m| m.id)
        .collect();
        assert_eq!(
            ids,
            [
                Some("token".into()),
                Some("k".into()),
                Some("a".into()),
                Some("c".into())
            ]
        );
    }

    #[test]
    fn run_mounts_are_found_with_their_type() {
        type Mounts = Vec<(usize, usize, &'static str)>;
        let cases: [(&str, Mounts); 5] = [
            ("FROM scratch\nRUN --mount=type=cache,target=/c make\n", vec![(1, 2, "cache")]),
            (
                "FROM scratch\nRUN --network=none \\\n  --mount=target=/src,type=secret,id=x \\\n  --mount=type=ssh cat\n",
                vec![(1, 2, "secret"), (1, 2, "ssh")],
            ),
            ("FROM scratch\nrun --mount=target=/src make\n", vec![(1, 2, "bind")]),
            // A mount after the command is the command's word, not the builder's.
            ("FROM scratch\nRUN echo --mount=type=secret\n", vec![]),
            ("FROM scratch\nCOPY --mount=type=secret a b\n", vec![]),
        ];
        for (text, expected) in cases {
            let got: Vec<(usize, usize, String)> = run_mounts(text)
                .into_iter()
                .map(|m| (m.index, m.line, m.kind))
                .collect();
            let expected: Vec<(usize, usize, String)> = expected
                .into_iter()
                .map(|(i, l, k)| (i, l, k.to_string()))
                .collect();
            assert_eq!(got, expected, "{text}");
        }
    }
}
