//! Strict PEM framing (RFC 7468): splitting untrusted input into labelled
//! blocks, and re-encoding DER as canonical PEM.
//!
//! x509-parser's own PEM reader skips any line it does not understand, so
//! garbage around or between blocks would go unnoticed; this module frames
//! the blocks itself and rejects everything that is not whitespace outside
//! them, with the line number in the error. Text from the input appears in
//! errors only escaped (Rust's `escape_debug`): every error is one line.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// Largest PEM input accepted, in bytes (1 MiB).
pub const MAX_INPUT: usize = 1 << 20;

/// Most certificates accepted in one chain.
pub const MAX_CERTIFICATES: usize = 10;

/// The label of a certificate block.
pub const CERTIFICATE: &str = "CERTIFICATE";

/// One decoded PEM block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The label between `-----BEGIN ` and `-----`, e.g. `CERTIFICATE`.
    pub label: String,
    /// The base64-decoded contents.
    pub der: Vec<u8>,
}

/// What the splitter is looking at.
enum State<'a> {
    /// Between blocks: only blank lines may appear.
    Outside,
    /// Inside a block that began on `begin_line` (1-based).
    Inside {
        label: &'a str,
        begin_line: usize,
        base64: String,
    },
}

/// Splits `input` into PEM blocks and decodes their base64 contents.
///
/// Lines may end in `\n` or `\r\n`, and may carry leading or trailing
/// ASCII whitespace. Anything else outside a block, a block without an
/// `-----END` line, an `-----END` label that differs from its `-----BEGIN`
/// label, encapsulated headers, or invalid base64 is an error.
pub fn split(input: &[u8]) -> Result<Vec<Block>, String> {
    let text = std::str::from_utf8(input).map_err(|e| {
        format!(
            "the PEM input is not text: byte {} is not valid UTF-8",
            e.valid_up_to() + 1
        )
    })?;
    let mut blocks = Vec::new();
    let mut state = State::Outside;
    for (index, raw) in text.split('\n').enumerate() {
        let line_no = index + 1;
        let line = raw.trim_matches(|c: char| c.is_ascii_whitespace());
        state = match state {
            State::Outside => {
                if line.is_empty() {
                    State::Outside
                } else if let Some(label) = boundary(line, "BEGIN") {
                    State::Inside {
                        label,
                        begin_line: line_no,
                        base64: String::new(),
                    }
                } else if blocks.is_empty() {
                    return Err(format!(
                        "the input is not PEM: line {line_no} ({}) is not a \
                         \"-----BEGIN CERTIFICATE-----\" line",
                        snippet(line)
                    ));
                } else {
                    return Err(format!(
                        "unexpected text after PEM block {} on line {line_no} ({}): \
                         only whitespace may follow or separate PEM blocks",
                        blocks.len(),
                        snippet(line)
                    ));
                }
            }
            State::Inside {
                label,
                begin_line,
                mut base64,
            } => {
                let number = blocks.len() + 1;
                if let Some(end_label) = boundary(line, "END") {
                    if end_label != label {
                        return Err(format!(
                            "PEM block {number} begins as {label:?} on line {begin_line} \
                             but ends as {end_label:?} on line {line_no}"
                        ));
                    }
                    let der = STANDARD.decode(base64.as_bytes()).map_err(|e| {
                        format!(
                            "PEM block {number} ({label:?}, line {begin_line}) has invalid \
                             base64: {e}"
                        )
                    })?;
                    blocks.push(Block {
                        label: label.to_string(),
                        der,
                    });
                    State::Outside
                } else if line.starts_with("-----") {
                    return Err(format!(
                        "PEM block {number} ({label:?}, line {begin_line}) has no \
                         \"-----END {}-----\" line before line {line_no}",
                        label.escape_debug()
                    ));
                } else if let Some(bad) = line
                    .chars()
                    .find(|&c| !(c.is_ascii_alphanumeric() || "+/= \t".contains(c)))
                {
                    return Err(format!(
                        "PEM block {number} ({label:?}, line {begin_line}) has {bad:?} on \
                         line {line_no}, which is not base64"
                    ));
                } else {
                    base64.extend(line.chars().filter(|c| !c.is_ascii_whitespace()));
                    State::Inside {
                        label,
                        begin_line,
                        base64,
                    }
                }
            }
        };
    }
    match state {
        State::Outside => Ok(blocks),
        State::Inside {
            label, begin_line, ..
        } => Err(format!(
            "PEM block {} ({label:?}, line {begin_line}) is truncated: it has no \
             \"-----END {}-----\" line",
            blocks.len() + 1,
            label.escape_debug()
        )),
    }
}

/// Splits `input` into the DER encodings of its certificates, leaf first.
///
/// On top of [`split`], it enforces the input size limit, that every block
/// is a `CERTIFICATE`, that there is at least one, and at most
/// [`MAX_CERTIFICATES`].
pub fn certificates(input: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if input.len() > MAX_INPUT {
        return Err(format!(
            "the PEM input is {} bytes, more than the {MAX_INPUT} accepted",
            input.len()
        ));
    }
    let blocks = split(input)?;
    if let Some((index, block)) = blocks
        .iter()
        .enumerate()
        .find(|(_, b)| b.label != CERTIFICATE)
    {
        return Err(format!(
            "PEM block {} is {:?}, expected {CERTIFICATE}",
            index + 1,
            block.label
        ));
    }
    if blocks.is_empty() {
        return Err("no certificate found in the PEM input".to_string());
    }
    if blocks.len() > MAX_CERTIFICATES {
        return Err(format!(
            "the PEM input has {} certificates; at most {MAX_CERTIFICATES} are accepted",
            blocks.len()
        ));
    }
    Ok(blocks.into_iter().map(|b| b.der).collect())
}

/// Encodes `der` as a PEM block labelled `label`: 64-column base64 and a
/// final newline.
pub fn encode(label: &str, der: &[u8]) -> String {
    let base64 = STANDARD.encode(der);
    let mut out = String::with_capacity(base64.len() + base64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for (index, c) in base64.chars().enumerate() {
        if index > 0 && index % 64 == 0 {
            out.push('\n');
        }
        out.push(c);
    }
    if !base64.is_empty() {
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// The label of an encapsulation boundary `-----{kind} LABEL-----`, if
/// `line` is one.
fn boundary<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    line.strip_prefix("-----")?
        .strip_prefix(kind)?
        .strip_prefix(' ')?
        .strip_suffix("-----")
}

/// A short, escaped excerpt of an untrusted line for an error message.
fn snippet(line: &str) -> String {
    const MAX: usize = 40;
    let mut chars = line.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    if chars.next().is_some() {
        format!("{:?}...", head)
    } else {
        format!("{head:?}")
    }
}
