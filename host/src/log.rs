//! Everything acmebox prints to standard error goes through here: `-v`
//! steps, warnings and the final error line. Text that came from a stage or
//! the server (problem documents, URLs, a stage's error string) is untrusted,
//! so [`clean`] escapes every control character before it reaches a
//! terminal, a cron mail or the journal: a CR or LF cannot forge a line, an
//! ESC cannot erase one, retitle a window or write the clipboard (OSC 52).

use std::fmt::Write as _;

/// Where progress goes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Log {
    /// `-v` count; 0 prints warnings only.
    pub verbose: u8,
}

impl Log {
    /// A step, shown with `-v`, and remembered (with or without `-v`) for
    /// the line a stop from outside prints ([`last_step`]).
    pub fn step(&self, message: &str) {
        if let Ok(mut last) = LAST_STEP.lock() {
            last.clear();
            PREFIX.with(|p| last.push_str(&p.borrow()));
            last.push_str(message);
        }
        if self.verbose > 0 {
            line(message);
        }
    }

    /// Something the user should know even without `-v`.
    pub fn warn(&self, message: &str) {
        line(&format!("warning: {message}"));
    }
}

thread_local! {
    /// `HANDLE: ` while this thread runs a batch job beside others
    /// ([`in_job`]); empty otherwise.
    static PREFIX: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Until the guard is dropped, every line this thread prints (and the step
/// it remembers for [`last_step`]) starts with `handle: `: the lines of
/// concurrent batch jobs (flows/batch.rs) say which certificate they are
/// about.
pub fn in_job(handle: &str) -> JobPrefix {
    PREFIX.with(|p| *p.borrow_mut() = format!("{handle}: "));
    JobPrefix(std::marker::PhantomData)
}

/// The guard of [`in_job`] (bound to its thread).
pub struct JobPrefix(std::marker::PhantomData<*const ()>);

impl Drop for JobPrefix {
    fn drop(&mut self) {
        PREFIX.with(|p| p.borrow_mut().clear());
    }
}

/// The last step logged, cleaned.
static LAST_STEP: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// The last step the run logged (`4.2 token for NAME written`), cleaned;
/// `None` before the first.
pub fn last_step() -> Option<String> {
    let last = LAST_STEP.lock().ok()?;
    (!last.is_empty()).then(|| clean(&last))
}

/// Print `acmebox: MESSAGE` and a newline on standard error, `message`
/// cleaned. A closed standard error is ignored (no panic, unlike
/// `eprintln!`).
pub fn line(message: &str) {
    let prefix = PREFIX.with(|p| p.borrow().clone());
    let text = format!("acmebox: {}\n", clean(&format!("{prefix}{message}")));
    let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
}

/// `text` with every control character escaped: C0 (including CR, LF, TAB
/// and ESC), DEL and C1 as `\xNN` / `\u{NN}`, and the Unicode line and
/// paragraph separators and bidirectional overrides, which reorder or break
/// what a terminal shows, as `\u{NNNN}`. Backslashes are left alone: the
/// result is for eyes, not for parsing back.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_format_trap(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that are not controls but change how a line is displayed:
/// line/paragraph separators and the bidirectional embeddings, overrides and
/// isolates (the "Trojan Source" characters).
fn is_format_trap(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn control_bytes_are_escaped() {
        let hostile = "a\r\nacmebox: forged\x1b]52;c;aGk=\x07\x1b[2K\u{7f}\u{9b}\u{85}\u{202e}z";
        let text = clean(hostile);
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{text:?}"
        );
        assert_eq!(
            text,
            "a\\u{d}\\u{a}acmebox: forged\\u{1b}]52;c;aGk=\\u{7}\\u{1b}[2K\\u{7f}\\u{9b}\\u{85}\\u{202e}z"
        );
    }

    #[test]
    fn ordinary_text_is_unchanged() {
        let text = "network stage, fetch directory: https://ca.example/dir: résumé ✓";
        assert_eq!(clean(text), text);
    }
}
