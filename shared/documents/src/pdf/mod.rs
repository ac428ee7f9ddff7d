//! The invoice as an A4 PDF, written with `pdf-writer` in the standard
//! Helvetica fonts (WinAnsi encoding, nothing embedded).
//!
//! Layout happens first, into pages of drawing operations measured in
//! integer milli-points (1/1000 pt) with the Helvetica AFM widths; the
//! content streams then scale user space by 1/1000 so every coordinate and
//! font size handed to the PDF is an integer. No float arithmetic happens
//! anywhere: the only `f32`s are those integers (exact below 2^24) and the
//! constant scale and grey levels `pdf-writer`'s API takes.
//!
//! Page one carries the seller, the title and invoice facts, and the
//! buyer; lines flow onto further pages, each starting with a short header
//! (seller, title and number) and the table header again. Every page ends
//! with a footer `Page n of m`.

pub mod winansi;

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use o2c_domain::customer::Customer;
use o2c_domain::invoice::{Invoice, MAX_LINES};

use crate::branding::Branding;
use crate::catalog;
use crate::error::DocumentError;
use crate::view::{InvoiceView, Row};
use winansi::Face;

/// Milli-points: 1/1000 of a PDF point.
pub type Mpt = i64;
const PT: Mpt = 1000;

/// A4 portrait, rounded to whole points as most producers do.
pub const PAGE_WIDTH: Mpt = 595 * PT;
pub const PAGE_HEIGHT: Mpt = 842 * PT;
const LEFT: Mpt = 50 * PT;
const RIGHT: Mpt = 545 * PT;
const WIDTH: Mpt = RIGHT - LEFT;
const TOP: Mpt = 792 * PT;
/// Nothing but the footer goes below this line.
const BOTTOM: Mpt = 62 * PT;
const FOOTER_Y: Mpt = 36 * PT;
/// Where the facts block (number, dates) starts on page one.
const FACTS_X: Mpt = 330 * PT;
/// Space between table columns.
const GAP: Mpt = 12 * PT;
/// The description column never gets narrower than this; numbers shrink first.
const MIN_DESCRIPTION: Mpt = 150 * PT;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    Black,
    Muted,
}

impl Ink {
    fn gray(self) -> f32 {
        match self {
            Ink::Black => 0.0,
            Ink::Muted => 0.4,
        }
    }
}

/// One drawing operation; coordinates in milli-points from the bottom left,
/// text `y` at the baseline, `size` in whole points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    Text { x: Mpt, y: Mpt, face: Face, size: Mpt, ink: Ink, bytes: Vec<u8> },
    Rule { x1: Mpt, x2: Mpt, y: Mpt, weight: Mpt },
    Band { x: Mpt, y: Mpt, w: Mpt, h: Mpt },
}

/// Width of encoded text at `size` points, in milli-points.
pub fn text_width(bytes: &[u8], face: Face, size: Mpt) -> Mpt {
    face.text_width(bytes) * size
}

/// Breaks text into lines no wider than `max`: at spaces, and inside a
/// word only when the word alone is too wide. No-break spaces hold.
pub fn wrap(text: &str, face: Face, size: Mpt, max: Mpt) -> Vec<Vec<u8>> {
    let bytes = winansi::encode(text);
    let fits = |b: &[u8]| text_width(b, face, size) <= max;
    let mut lines = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in bytes.split(|b| *b == b' ').filter(|w| !w.is_empty()) {
        if !current.is_empty() {
            let mut candidate = current.clone();
            candidate.push(b' ');
            candidate.extend_from_slice(word);
            if fits(&candidate) {
                current = candidate;
                continue;
            }
            lines.push(std::mem::take(&mut current));
        }
        if fits(word) {
            current = word.to_vec();
            continue;
        }
        for &b in word {
            current.push(b);
            if current.len() > 1 && !fits(&current) {
                current.pop();
                lines.push(std::mem::replace(&mut current, vec![b]));
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

/// Column geometry of the lines table.
#[derive(Debug, Clone, Copy)]
struct Table {
    size: Mpt,
    /// Right edges of quantity, unit price, tax rate and amount.
    rights: [Mpt; 4],
    description_width: Mpt,
}

impl Table {
    const HEADER_SIZE: Mpt = 8;
    const HEADER_HEIGHT: Mpt = 16 * PT;

    /// Numeric columns are as wide as their widest cell; the description
    /// takes the rest. Very wide numbers shrink the table's font first.
    fn fit(v: &InvoiceView) -> Self {
        let l = v.labels;
        let headers = [l.quantity, l.unit_price, l.tax_rate, l.amount];
        let mut size = 9;
        loop {
            let mut widths = headers.map(|h| text_width(&winansi::encode(h), Face::Bold, Self::HEADER_SIZE));
            for line in &v.lines {
                for (w, cell) in widths.iter_mut().zip([&line.quantity, &line.unit_price, &line.tax_rate, &line.amount]) {
                    *w = (*w).max(text_width(&winansi::encode(cell), Face::Regular, size));
                }
            }
            let mut rights = [0; 4];
            let mut right = RIGHT;
            for i in (0..4).rev() {
                rights[i] = right;
                right -= widths[i] + GAP;
            }
            let description_width = right - LEFT;
            if description_width >= MIN_DESCRIPTION || size <= 6 {
                return Self { size, rights, description_width: description_width.max(MIN_DESCRIPTION / 2) };
            }
            size -= 1;
        }
    }

    fn leading(&self) -> Mpt {
        self.size * PT * 5 / 4
    }
}

struct Layout<'a> {
    v: &'a InvoiceView,
    pages: Vec<Vec<Op>>,
    y: Mpt,
    table: Option<Table>,
}

impl<'a> Layout<'a> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn text(&mut self, x: Mpt, y: Mpt, face: Face, size: Mpt, ink: Ink, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            self.ops().push(Op::Text { x, y, face, size, ink, bytes });
        }
    }

    fn text_right(&mut self, right: Mpt, y: Mpt, face: Face, size: Mpt, ink: Ink, bytes: Vec<u8>) {
        let x = right - text_width(&bytes, face, size);
        self.text(x, y, face, size, ink, bytes);
    }

    fn rule(&mut self, x1: Mpt, x2: Mpt, y: Mpt, weight: Mpt) {
        self.ops().push(Op::Rule { x1, x2, y, weight });
    }

    /// Starts a new page when `height` does not fit above the footer.
    fn need(&mut self, height: Mpt) {
        if self.y - height < BOTTOM {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        let v = self.v;
        let y = TOP - 10 * PT;
        self.text(LEFT, y, Face::Bold, 10, Ink::Black, winansi::encode(&v.seller.name));
        let title = format!("{} {} ({})", v.title, v.number.as_deref().unwrap_or(""), v.labels.continued);
        self.text_right(RIGHT, y, Face::Regular, 10, Ink::Black, winansi::encode(&title));
        self.rule(LEFT, RIGHT, y - 8 * PT, 500);
        self.y = y - 24 * PT;
        if let Some(t) = self.table {
            self.table_header(t);
        }
    }

    fn table_header(&mut self, t: Table) {
        let l = self.v.labels;
        let top = self.y;
        self.ops().push(Op::Band { x: LEFT, y: top - Table::HEADER_HEIGHT, w: WIDTH, h: Table::HEADER_HEIGHT });
        let base = top - 11 * PT;
        self.text(LEFT + 4 * PT, base, Face::Bold, Table::HEADER_SIZE, Ink::Black, winansi::encode(l.description));
        for (right, label) in t.rights.into_iter().zip([l.quantity, l.unit_price, l.tax_rate, l.amount]) {
            let right = if right == RIGHT { right - 4 * PT } else { right };
            self.text_right(right, base, Face::Bold, Table::HEADER_SIZE, Ink::Black, winansi::encode(label));
        }
        self.y = top - Table::HEADER_HEIGHT;
    }

    /// A block of left-aligned lines at `x`, starting a page when needed.
    fn paragraph(&mut self, x: Mpt, width: Mpt, text: &str, face: Face, size: Mpt, leading: Mpt) {
        for line in wrap(text, face, size, width) {
            self.need(leading);
            self.y -= leading;
            self.text(x, self.y, face, size, Ink::Black, line);
        }
    }

    fn first_page(&mut self) {
        let v = self.v;
        let left_width = FACTS_X - LEFT - GAP;
        // Seller, top left.
        let mut ly = TOP;
        for line in wrap(&v.seller.name, Face::Bold, 16, left_width) {
            ly -= 18 * PT;
            self.text(LEFT, ly, Face::Bold, 16, Ink::Black, line);
        }
        ly -= 4 * PT;
        let tax_id = v.seller.tax_id.as_ref().map(|t| format!("{} {t}", v.labels.tax_id));
        for line in v.seller.lines.iter().chain(tax_id.as_ref()) {
            for part in wrap(line, Face::Regular, 9, left_width) {
                ly -= 12 * PT;
                self.text(LEFT, ly, Face::Regular, 9, Ink::Muted, part);
            }
        }
        // Title and facts, top right.
        let mut ry = TOP - 20 * PT;
        self.text_right(RIGHT, ry, Face::Bold, 20, Ink::Black, winansi::encode(&v.title));
        ry -= 10 * PT;
        let facts = v.facts.iter().map(|f| (f, f.label == v.labels.invoice_number));
        for (fact, bold) in facts.chain([(&v.amount_due, true)]) {
            let face = if bold { Face::Bold } else { Face::Regular };
            let label = winansi::encode(&fact.label);
            let value_width = RIGHT - FACTS_X - text_width(&label, Face::Regular, 9) - GAP;
            let values = wrap(&fact.value, face, 9, value_width);
            ry -= 14 * PT;
            self.text(FACTS_X, ry, Face::Regular, 9, Ink::Muted, label);
            for (j, value) in values.into_iter().enumerate() {
                if j > 0 {
                    ry -= 12 * PT;
                }
                self.text_right(RIGHT, ry, face, 9, Ink::Black, value);
            }
        }
        // Buyer.
        self.y = ly.min(ry) - 28 * PT;
        self.text(LEFT, self.y, Face::Bold, 8, Ink::Muted, winansi::encode(&v.labels.bill_to.to_uppercase()));
        for line in wrap(&v.buyer.name, Face::Bold, 11, WIDTH / 2) {
            self.y -= 15 * PT;
            self.text(LEFT, self.y, Face::Bold, 11, Ink::Black, line);
        }
        let tax_id = v.buyer.tax_id.as_ref().map(|t| format!("{} {t}", v.labels.tax_id));
        for line in v.buyer.lines.iter().chain(tax_id.as_ref()) {
            for part in wrap(line, Face::Regular, 9, WIDTH / 2) {
                self.y -= 12 * PT;
                self.text(LEFT, self.y, Face::Regular, 9, Ink::Black, part);
            }
        }
        self.y -= 16 * PT;
        if let Some(memo) = &v.memo {
            self.need(14 * PT);
            self.y -= 12 * PT;
            self.text(LEFT, self.y, Face::Bold, 9, Ink::Black, winansi::encode(v.labels.memo));
            self.paragraph(LEFT, WIDTH, memo, Face::Regular, 9, 12 * PT);
            self.y -= 14 * PT;
        }
    }

    fn lines_table(&mut self) {
        let t = Table::fit(self.v);
        self.need(Table::HEADER_HEIGHT + 2 * t.leading());
        self.table_header(t);
        self.table = Some(t);
        let (pad_top, pad_bottom) = (4 * PT, 3 * PT);
        for line in &self.v.lines {
            let description = wrap(&line.description, Face::Regular, t.size, t.description_width - 4 * PT);
            let height = pad_top + pad_bottom + t.leading() * description.len() as Mpt;
            self.need(height);
            let top = self.y;
            let mut base = top - pad_top - t.size * PT * 4 / 5;
            let first_base = base;
            // The description first, so text extraction reads rows in order.
            for part in description {
                self.text(LEFT + 4 * PT, base, Face::Regular, t.size, Ink::Black, part);
                base -= t.leading();
            }
            let cells = [&line.quantity, &line.unit_price, &line.tax_rate, &line.amount];
            for (right, cell) in t.rights.into_iter().zip(cells) {
                let right = if right == RIGHT { right - 4 * PT } else { right };
                self.text_right(right, first_base, Face::Regular, t.size, Ink::Black, winansi::encode(cell));
            }
            self.y = top - height;
            self.rule(LEFT, RIGHT, self.y, 250);
        }
        self.table = None;
    }

    fn totals(&mut self) {
        let v = self.v;
        let mut rows: Vec<(&Row, bool)> = v.subtotals.iter().map(|r| (r, false)).collect();
        rows.push((&v.total, true));
        rows.extend(v.settlements.iter().map(|r| (r, false)));
        if !v.settlements.is_empty() {
            rows.push((&v.amount_due, true));
        }
        let value_width = rows
            .iter()
            .map(|(r, _)| text_width(&winansi::encode(&r.value), Face::Bold, 10))
            .max()
            .unwrap_or(0);
        let label_right = RIGHT - 4 * PT - value_width - 2 * GAP;
        let row_height = 15 * PT;
        self.need(8 * PT + row_height * rows.len() as Mpt);
        self.y -= 4 * PT;
        for (row, strong) in rows {
            self.y -= row_height;
            let (face, size) = if strong { (Face::Bold, 10) } else { (Face::Regular, 9) };
            if strong {
                self.rule(label_right - 120 * PT, RIGHT, self.y + 11 * PT, 500);
            }
            self.text_right(label_right, self.y, face, size, Ink::Black, winansi::encode(&row.label));
            self.text_right(RIGHT - 4 * PT, self.y, face, size, Ink::Black, winansi::encode(&row.value));
        }
        self.y -= 20 * PT;
    }

    fn section(&mut self, heading: &str, paragraphs: &[String]) {
        if paragraphs.is_empty() {
            return;
        }
        self.need(14 * PT + 12 * PT);
        self.y -= 14 * PT;
        self.text(LEFT, self.y, Face::Bold, 9, Ink::Black, winansi::encode(heading));
        for p in paragraphs {
            self.paragraph(LEFT, WIDTH, p, Face::Regular, 9, 12 * PT);
        }
        self.y -= 8 * PT;
    }

    fn footers(&mut self) {
        let v = self.v;
        let count = self.pages.len();
        let mut left = v.seller.name.clone();
        if let Some(t) = &v.seller.tax_id {
            left = format!("{left} · {} {t}", v.labels.tax_id);
        }
        for i in 0..count {
            let mut right = catalog::page_of(v.lang, i + 1, count);
            if let Some(n) = &v.number {
                right = format!("{n} · {right}");
            }
            let right = winansi::encode(&right);
            let max_left = WIDTH - text_width(&right, Face::Regular, 7) - GAP;
            let left = wrap(&left, Face::Regular, 7, max_left).into_iter().next().unwrap_or_default();
            let page = &mut self.pages[i];
            page.push(Op::Rule { x1: LEFT, x2: RIGHT, y: FOOTER_Y + 10 * PT, weight: 250 });
            page.push(Op::Text { x: LEFT, y: FOOTER_Y, face: Face::Regular, size: 7, ink: Ink::Muted, bytes: left });
            let x = RIGHT - text_width(&right, Face::Regular, 7);
            page.push(Op::Text { x, y: FOOTER_Y, face: Face::Regular, size: 7, ink: Ink::Muted, bytes: right });
        }
    }
}

/// Lays the invoice out into pages of drawing operations.
pub fn layout(v: &InvoiceView) -> Vec<Vec<Op>> {
    let mut l = Layout { v, pages: vec![Vec::new()], y: TOP, table: None };
    l.first_page();
    l.lines_table();
    l.totals();
    l.section(v.labels.payment_terms, &v.terms);
    l.section(v.labels.payment_instructions, &v.payment);
    l.footers();
    l.pages
}

/// Milli-points to the `f32` pdf-writer takes: exact for any value on a page.
fn f(v: Mpt) -> f32 {
    v as f32
}

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");
const BAND_GRAY: f32 = 0.93;
const RULE_GRAY: f32 = 0.6;

fn content(ops: &[Op]) -> Vec<u8> {
    let mut c = Content::new();
    // User space in milli-points from here on.
    c.transform([0.001, 0.0, 0.0, 0.001, 0.0, 0.0]);
    let mut in_text = false;
    let mut font: Option<(Face, Mpt)> = None;
    let mut ink: Option<Ink> = None;
    for op in ops {
        match op {
            Op::Text { x, y, face, size, ink: text_ink, bytes } => {
                if !in_text {
                    c.begin_text();
                    in_text = true;
                }
                if font != Some((*face, *size)) {
                    c.set_font(if *face == Face::Bold { BOLD } else { REGULAR }, f(size * PT));
                    font = Some((*face, *size));
                }
                if ink != Some(*text_ink) {
                    c.set_fill_gray(text_ink.gray());
                    ink = Some(*text_ink);
                }
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, f(*x), f(*y)]);
                c.show(Str(bytes));
            }
            Op::Rule { x1, x2, y, weight } => {
                if std::mem::take(&mut in_text) {
                    c.end_text();
                }
                c.set_stroke_gray(RULE_GRAY);
                c.set_line_width(f(*weight));
                c.move_to(f(*x1), f(*y));
                c.line_to(f(*x2), f(*y));
                c.stroke();
            }
            Op::Band { x, y, w, h } => {
                if std::mem::take(&mut in_text) {
                    c.end_text();
                }
                c.set_fill_gray(BAND_GRAY);
                ink = None;
                c.rect(f(*x), f(*y), f(*w), f(*h));
                c.fill_nonzero();
            }
        }
    }
    if in_text {
        c.end_text();
    }
    c.finish().into_vec()
}

/// Writes laid-out pages as a PDF document.
pub fn write_pdf(pages: &[Vec<Op>], title: &str, author: &str, lang: &str) -> Vec<u8> {
    let catalog_id = Ref::new(1);
    let tree_id = Ref::new(2);
    let regular_id = Ref::new(3);
    let bold_id = Ref::new(4);
    let info_id = Ref::new(5);
    let first_page = 6;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first_page + 2 * i as i32)).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog_id).pages(tree_id).lang(TextStr(lang));
    pdf.pages(tree_id).kids(page_ids.iter().copied()).count(pages.len() as i32);
    for (id, face) in [(regular_id, Face::Regular), (bold_id, Face::Bold)] {
        pdf.type1_font(id)
            .base_font(Name(face.base_font()))
            .encoding_predefined(Name(b"WinAnsiEncoding"))
            .first_char(0x20)
            .last_char(0xFF)
            .widths(face.widths().iter().map(|w| f(Mpt::from(*w))));
    }
    pdf.document_info(info_id)
        .title(TextStr(title))
        .author(TextStr(author))
        .creator(TextStr("o2c"))
        .producer(TextStr("o2c-documents"));
    for (ops, page_id) in pages.iter().zip(&page_ids) {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.parent(tree_id).media_box(Rect::new(0.0, 0.0, f(PAGE_WIDTH / PT), f(PAGE_HEIGHT / PT))).contents(content_id);
        page.resources().fonts().pair(REGULAR, regular_id).pair(BOLD, bold_id);
        page.finish();
        let bytes = content(ops);
        pdf.stream(content_id, &bytes);
    }
    pdf.finish()
}

/// The invoice as a PDF: one or more A4 pages.
pub fn render_invoice_pdf(invoice: &Invoice, customer: &Customer, branding: &Branding) -> Result<Vec<u8>, DocumentError> {
    if invoice.lines.len() > MAX_LINES {
        return Err(DocumentError::TooManyLines { lines: invoice.lines.len() });
    }
    let view = InvoiceView::new(invoice, customer, branding);
    let pages = layout(&view);
    let title = match &view.number {
        Some(n) => format!("{} {n}", view.title),
        None => view.title.clone(),
    };
    Ok(write_pdf(&pages, &title, &view.seller.name, view.lang.tag()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_never_exceed_the_width_and_keep_every_word() {
        let text = "Consulting services for the migration of the order-to-cash platform, including a supercalifragilisticexpialidociousandthensomemorewordsjoined review";
        let max = 120 * PT;
        let lines = wrap(text, Face::Regular, 9, max);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(text_width(l, Face::Regular, 9) <= max, "{:?}", String::from_utf8_lossy(l));
        }
        let rejoined: String = lines.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect::<Vec<_>>().join(" ");
        assert_eq!(rejoined.replace(' ', ""), text.replace(' ', ""));
    }

    #[test]
    fn an_amount_is_never_broken_at_its_no_break_spaces() {
        let lines = wrap("Total 1\u{202F}234\u{202F}567,89\u{A0}€ due", Face::Regular, 9, 80 * PT);
        let amount = b"1\xA0234\xA0567,89\xA0\x80";
        assert!(lines.iter().any(|l| l.windows(amount.len()).any(|w| w == amount)), "{lines:?}");
    }

    #[test]
    fn empty_text_wraps_to_one_empty_line() {
        assert_eq!(wrap("", Face::Regular, 9, 100 * PT), vec![Vec::<u8>::new()]);
    }
}
