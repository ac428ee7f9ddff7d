//! Physical lines to physical records.
//!
//! A BAI2 record starts with a two-digit record code and a comma and ends
//! with `/`. Real files bend that three ways, all read here:
//!
//! * several records share one physical line, each ended by `/` and the
//!   next one following after optional spaces (`…,2/   02,…`);
//! * a record ends at the end of its line without a `/` (Goldman Sachs);
//! * the text of a `16` (or of an `88` continuing one) wraps onto the next
//!   physical line, which then starts with no record code at all.
//!
//! A `/` ends a record only where what follows it (after spaces) is the end
//! of the line or another record (a known code and a comma): a `16` text such
//! as `A1234BC 22/03/66` keeps its slashes, and so does a reference with one.

use super::Code;

/// One physical record, or one wrapped line of text continuing a `16`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Item {
    Record {
        code: Code,
        /// 1-based physical line the record starts on.
        line: usize,
        /// Everything after `NN,`, without the ending `/`.
        body: String,
    },
    /// A physical line without a record code, continuing the text of the
    /// record before it.
    Wrap { line: usize, text: String },
}

/// What a piece of a line starts with.
enum Start {
    Known(Code),
    /// Two digits and a comma, but no BAI2 record code.
    Unknown(String),
    Nothing,
}

fn start_of(s: &str) -> Start {
    let b = s.as_bytes();
    if b.len() >= 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b',' {
        let code = &s[..2];
        match Code::from_digits(code) {
            Some(code) => Start::Known(code),
            None => Start::Unknown(code.to_owned()),
        }
    } else {
        Start::Nothing
    }
}

/// Splits one physical line (trailing white space already removed) at each
/// `/` that ends a record: a `/` followed, after spaces, by the end of the
/// line or by a known record code and a comma. Each piece comes with
/// whether a `/` ended it.
fn pieces(line: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut from = 0;
    for (at, _) in line.match_indices('/') {
        if at < from {
            continue;
        }
        let rest = &line[at + 1..];
        let next = rest.trim_start();
        if next.is_empty() || matches!(start_of(next), Start::Known(_)) {
            out.push((&line[from..at], true));
            from = line.len() - next.len();
        }
    }
    if from < line.len() && !line[from..].trim().is_empty() {
        out.push((&line[from..], false));
    }
    out
}

/// Decodes the file: UTF-8 (a leading byte-order mark dropped), else
/// Latin-1, so that no byte is lost or refused for its encoding alone.
pub(super) fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// An error found while splitting lines: the 1-based line and the message.
pub(super) type LexError = (usize, String);

/// Splits the decoded file into physical records and wrapped text lines.
pub(super) fn items(text: &str) -> Result<Vec<Item>, LexError> {
    let text = text.replace("\r\n", "\n");
    let mut out = Vec::new();
    // The code of the last record that is not an `88`, and whether the last
    // physical record (or wrapped line) was ended by a `/`.
    let mut parent: Option<Code> = None;
    let mut last_closed = true;
    for (index, raw) in text.split(['\n', '\r']).enumerate() {
        let line = index + 1;
        let trimmed = raw.trim_end();
        if trimmed.trim_start().is_empty() {
            continue;
        }
        for (n, (piece, closed)) in pieces(trimmed).into_iter().enumerate() {
            let open_text = parent == Some(Code::Detail) && !last_closed;
            let start = start_of(piece.trim_start());
            match start {
                Start::Known(code) => {
                    let body = &piece.trim_start()[3..];
                    out.push(Item::Record {
                        code,
                        line,
                        body: body.to_owned(),
                    });
                    if code != Code::Continuation {
                        parent = Some(code);
                    }
                }
                // Only the first piece of a line can start without a code.
                _ if n == 0 && open_text => {
                    out.push(Item::Wrap {
                        line,
                        text: piece.to_owned(),
                    });
                }
                Start::Unknown(code) => {
                    return Err((line, format!("unknown record code `{code}`")));
                }
                Start::Nothing => {
                    let why = if parent == Some(Code::Detail) {
                        "it does not start with a record code, and the 16 text before it \
                         was already ended by `/`"
                    } else {
                        "it does not start with a record code (01, 02, 03, 16, 88, 49, 98 or 99)"
                    };
                    return Err((line, format!("cannot read `{}`: {why}", excerpt(piece))));
                }
            }
            last_closed = closed;
        }
    }
    Ok(out)
}

/// The start of `s`, for an error message.
pub(super) fn excerpt(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
