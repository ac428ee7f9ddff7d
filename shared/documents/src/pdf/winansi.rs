//! Windows-1252 ("WinAnsiEncoding") text for the PDF's standard Helvetica
//! fonts, and their advance widths.
//!
//! The widths are Adobe's Helvetica and Helvetica-Bold AFM metrics (Core 14
//! font metrics, version 003.001), in 1/1000 em, indexed by WinAnsi code
//! from 0x20 to 0xFF. Codes WinAnsi leaves undefined (0x7F, 0x81, 0x8D,
//! 0x8F, 0x90, 0x9D) have width 0 and are never emitted by [`encode`].
//!
//! Characters outside WinAnsi degrade, in this order (the HTML and text
//! parts of the email keep the full Unicode text):
//! 1. typographic spaces: narrow and figure spaces (U+202F, U+2007, U+2009,
//!    U+200A, U+2008) become a no-break space (0xA0), the other wide spaces
//!    (U+2000..U+2006, U+205F, U+3000) a space; zero-width characters and the
//!    soft hyphen are dropped; tabs and other control characters become a space;
//! 2. dashes, minus and primes become their closest WinAnsi glyph
//!    (U+2010/U+2011/U+2212 `-`, U+2012 en dash, U+2015 em dash, U+2032 `'`, U+2033 `"`);
//! 3. Latin Extended-A/B letters lose their diacritic (`Ł` -> `L`, `ő` -> `o`,
//!    `ș` -> `s`; `Ĳ` -> `IJ`);
//! 4. anything else (Greek, Cyrillic, CJK, emoji...) becomes `?`.

/// Helvetica advance widths for WinAnsi codes 0x20..=0xFF.
#[rustfmt::skip]
pub const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,  // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,  // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,  // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,  // 0xA0
    400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,  // 0xB0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,  // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,  // 0xD0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,  // 0xE0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,  // 0xF0
];

/// Helvetica-Bold advance widths for WinAnsi codes 0x20..=0xFF.
#[rustfmt::skip]
pub const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,  // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,  // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,  // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,  // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,  // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,  // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,  // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,  // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,  // 0xA0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,  // 0xB0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,  // 0xC0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,  // 0xD0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,  // 0xE0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,  // 0xF0
];

/// The two faces the invoice uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    pub fn widths(self) -> &'static [u16; 224] {
        match self {
            Face::Regular => &HELVETICA,
            Face::Bold => &HELVETICA_BOLD,
        }
    }

    pub fn base_font(self) -> &'static [u8] {
        match self {
            Face::Regular => b"Helvetica",
            Face::Bold => b"Helvetica-Bold",
        }
    }

    /// Width of WinAnsi-encoded text in 1/1000 em (multiply by the font
    /// size in points to get milli-points).
    pub fn text_width(self, encoded: &[u8]) -> i64 {
        let table = self.widths();
        encoded
            .iter()
            .map(|b| usize::from(*b).checked_sub(0x20).and_then(|i| table.get(i)).map_or(0, |w| i64::from(*w)))
            .sum()
    }
}

/// The WinAnsi codes 0x80..=0x9F that are not Latin-1, by character.
const CP1252_HIGH: [(char, u8); 27] = [
    ('€', 0x80), ('‚', 0x82), ('ƒ', 0x83), ('„', 0x84), ('…', 0x85), ('†', 0x86), ('‡', 0x87),
    ('ˆ', 0x88), ('‰', 0x89), ('Š', 0x8A), ('‹', 0x8B), ('Œ', 0x8C), ('Ž', 0x8E), ('‘', 0x91),
    ('’', 0x92), ('“', 0x93), ('”', 0x94), ('•', 0x95), ('–', 0x96), ('—', 0x97), ('˜', 0x98),
    ('™', 0x99), ('š', 0x9A), ('›', 0x9B), ('œ', 0x9C), ('ž', 0x9E), ('Ÿ', 0x9F),
];

/// Base letters of U+0100..=U+017F (Latin Extended-A), one per code point.
const LATIN_EXT_A_BASE: &[u8; 128] = b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiIiJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// Appends the WinAnsi bytes for one character (none, one or two bytes).
pub fn push_char(out: &mut Vec<u8>, c: char) {
    let code = u32::from(c);
    match c {
        ' '..='~' => out.push(code as u8),
        '\u{AD}' => {}
        '\u{A0}'..='\u{FF}' => out.push(code as u8),
        '\u{202F}' | '\u{2007}' | '\u{2008}' | '\u{2009}' | '\u{200A}' => out.push(0xA0),
        '\u{2000}'..='\u{2006}' | '\u{205F}' | '\u{3000}' => out.push(b' '),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
        '\u{2010}' | '\u{2011}' | '\u{2212}' => out.push(b'-'),
        '\u{2012}' => out.push(0x96),
        '\u{2015}' => out.push(0x97),
        '\u{2032}' => out.push(b'\''),
        '\u{2033}' => out.push(b'"'),
        'Ĳ' => out.extend_from_slice(b"IJ"),
        'ĳ' => out.extend_from_slice(b"ij"),
        _ if c.is_control() => out.push(b' '),
        _ => {
            if let Some((_, b)) = CP1252_HIGH.iter().find(|(ch, _)| *ch == c) {
                out.push(*b);
            } else if (0x100..=0x17F).contains(&code) {
                out.push(LATIN_EXT_A_BASE[(code - 0x100) as usize]);
            } else {
                out.push(match c {
                    'Ș' => b'S',
                    'ș' => b's',
                    'Ț' => b'T',
                    'ț' => b't',
                    'Ǎ' => b'A',
                    'ǎ' => b'a',
                    _ => b'?',
                });
            }
        }
    }
}

/// Encodes text to WinAnsi with the fallbacks described above.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        push_char(&mut out, c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_1_and_the_euro_sign_encode_to_their_winansi_codes() {
        assert_eq!(encode("Grüße à €5"), b"Gr\xFC\xDFe \xE0 \x805".to_vec());
        assert_eq!(encode("Œuvre – “quoted” …"), b"\x8Cuvre \x96 \x93quoted\x94 \x85".to_vec());
    }

    #[test]
    fn the_french_narrow_no_break_space_becomes_a_no_break_space() {
        assert_eq!(encode("1\u{202F}234,50\u{A0}€"), b"1\xA0234,50\xA0\x80".to_vec());
    }

    #[test]
    fn letters_outside_winansi_lose_their_diacritic_or_become_a_question_mark() {
        assert_eq!(encode("Łódź Dvořák Ĳssel"), b"L\xF3dz Dvor\xE1k IJssel".to_vec());
        assert_eq!(encode("Straße ș 東京 Ω"), b"Stra\xDFe s ?? ?".to_vec());
        assert_eq!(encode("a\u{AD}b\u{200B}c\td"), b"abc d".to_vec());
    }

    #[test]
    fn every_emitted_code_has_a_width() {
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            for b in encode(&c.to_string()) {
                assert!(b >= 0x20, "{c:?} -> {b:#x}");
                assert!(HELVETICA[usize::from(b) - 0x20] > 0, "{c:?} -> {b:#x}");
                assert!(HELVETICA_BOLD[usize::from(b) - 0x20] > 0, "{c:?} -> {b:#x}");
            }
        }
    }

    #[test]
    fn widths_match_the_helvetica_metrics() {
        // A few well-known AFM values.
        assert_eq!(Face::Regular.text_width(b"a"), 556);
        assert_eq!(Face::Regular.text_width(b"i"), 222);
        assert_eq!(Face::Regular.text_width(b"@"), 1015);
        assert_eq!(Face::Bold.text_width(b"@"), 975);
        assert_eq!(Face::Regular.text_width(&encode("€")), 556);
        assert_eq!(Face::Regular.text_width(b"0123456789"), 5560);
    }
}
