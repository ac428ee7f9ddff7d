//! Bytes to text for line-based bank files (MT940, CSV): UTF-8 where the
//! bytes are valid UTF-8, Windows-1252 (a superset of Latin-1's printable
//! range) byte by byte where they are not, so a legacy export never fails
//! on encoding and a UTF-8 one keeps its `Ü` and `ß`.

/// Decodes `bytes`, dropping a leading byte-order mark.
pub(crate) fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                let bad = error.error_len().unwrap_or(after.len()).min(after.len());
                let (invalid, next) = after.split_at(bad);
                out.extend(invalid.iter().map(|&byte| windows_1252(byte)));
                rest = next;
            }
        }
    }
}

/// One byte read as Windows-1252; its five unassigned bytes, and everything
/// outside 0x80..=0x9F, read as Latin-1.
fn windows_1252(byte: u8) -> char {
    match byte {
        0x80 => '\u{20AC}',
        0x82 => '\u{201A}',
        0x83 => '\u{0192}',
        0x84 => '\u{201E}',
        0x85 => '\u{2026}',
        0x86 => '\u{2020}',
        0x87 => '\u{2021}',
        0x88 => '\u{02C6}',
        0x89 => '\u{2030}',
        0x8A => '\u{0160}',
        0x8B => '\u{2039}',
        0x8C => '\u{0152}',
        0x8E => '\u{017D}',
        0x91 => '\u{2018}',
        0x92 => '\u{2019}',
        0x93 => '\u{201C}',
        0x94 => '\u{201D}',
        0x95 => '\u{2022}',
        0x96 => '\u{2013}',
        0x97 => '\u{2014}',
        0x98 => '\u{02DC}',
        0x99 => '\u{2122}',
        0x9A => '\u{0161}',
        0x9B => '\u{203A}',
        0x9C => '\u{0153}',
        0x9E => '\u{017E}',
        0x9F => '\u{0178}',
        other => char::from(other),
    }
}

/// Physical lines of `text`: CRLF, LF and lone CR all end a line; control
/// characters other than tab (an mBank file opens with SOH and ends with
/// ETX) are dropped.
pub(crate) fn lines(text: &str) -> Vec<String> {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    normalised
        .split('\n')
        .map(|line| {
            line.chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_utf8_is_read_as_utf8() {
        assert_eq!(decode("STAR1MÜTßUMS".as_bytes()), "STAR1MÜTßUMS");
    }

    #[test]
    fn invalid_utf8_bytes_are_read_as_windows_1252() {
        assert_eq!(
            decode(b"\xDCberweisung \x80 5 Stra\xDFe"),
            "Überweisung € 5 Straße"
        );
    }

    #[test]
    fn a_truncated_utf8_sequence_at_the_end_is_read_byte_by_byte() {
        assert_eq!(decode(b"ab\xC3"), "abÃ");
    }

    #[test]
    fn a_byte_order_mark_is_dropped() {
        assert_eq!(decode(b"\xEF\xBB\xBF:20:X"), ":20:X");
    }

    #[test]
    fn crlf_lf_and_cr_all_end_lines_and_control_characters_are_dropped() {
        assert_eq!(lines("\u{1}\r\na\rb\nc\u{3}"), vec!["", "a", "b", "c"]);
    }
}
