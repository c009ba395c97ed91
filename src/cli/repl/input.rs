//! When a REPL input is complete: Rhai reports an incomplete statement as an unexpected end of
//! input, a token missing at the very end (an unclosed `{`, `[`, `#{` or `(`), or an
//! unterminated string. Anything else is complete, errors included: it runs and reports them.

use rhai::{Engine, LexError, ParseErrorType, Position};

/// An engine that only parses.
pub(super) fn parser() -> Engine {
    let mut engine = Engine::new_raw();
    engine.set_max_expr_depths(128, 64);
    engine
}

/// Whether `text` needs more lines.
pub(super) fn incomplete(engine: &Engine, text: &str) -> bool {
    if text.trim().is_empty() {
        return false;
    }
    let Err(e) = engine.compile(text) else {
        return false;
    };
    match e.err_type() {
        ParseErrorType::UnexpectedEOF => true,
        ParseErrorType::BadInput(LexError::UnterminatedString) => true,
        ParseErrorType::MissingToken(..) => at_end(text, e.position()),
        _ => false,
    }
}

/// Whether `pos` is at or after the last character that is not white space.
fn at_end(text: &str, pos: Position) -> bool {
    let (Some(line), column) = (pos.line(), pos.position()) else {
        return true;
    };
    let trimmed = text.trim_end();
    let last_line = trimmed.lines().count().max(1);
    let last_column = trimmed.lines().last().map_or(0, |l| l.chars().count());
    line > last_line || (line == last_line && column.unwrap_or(usize::MAX) > last_column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_inputs_wait_for_more_lines() {
        let engine = parser();
        for (text, want) in [
            ("let x = 1;", false),
            ("1 +", true),
            ("fn f() {", true),
            ("fn f() {\n  let a = [1,", true),
            ("let m = #{ a: 1,", true),
            ("print(1", true),
            ("let s = \"abc", true),
            ("let s = `multi\nline", true),
            ("if x {\n 1\n} else {", true),
            ("fn f() {\n 1\n}", false),
            // Errors that more lines do not mend run at once and report.
            ("let = 3;", false),
            ("let x = (1 + ]", false),
            ("x.y(1, 2 3)", false),
            ("", false),
            ("   ", false),
        ] {
            assert_eq!(incomplete(&engine, text), want, "{text:?}");
        }
    }
}
