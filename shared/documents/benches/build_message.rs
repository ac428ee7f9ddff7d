//! PDF render and whole-message build (PDF + HTML + text + MIME) time, for
//! a typical 3-line invoice and a 250-line one, side by side in one run.

use std::time::Instant;

use o2c_documents::sample;
use o2c_documents::{compose_invoice_email, render_invoice_pdf};

fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| ms[(((ms.len() - 1) as f64) * p).round() as usize];
    (at(0.5), at(0.99))
}

fn main() {
    let branding = sample::branding();
    let customer = sample::customer("de", "EUR");
    for (label, count, iterations) in [("3 lines", 3, 2000), ("250 lines", 250, 200)] {
        let invoice = sample::invoice(&customer, sample::lines(count));
        let mut pdf_ms = Vec::with_capacity(iterations);
        let mut msg_ms = Vec::with_capacity(iterations);
        let mut sizes = (0, 0);
        for _ in 0..iterations {
            let t = Instant::now();
            let pdf = render_invoice_pdf(&invoice, &customer, &branding).expect("pdf");
            pdf_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let message = compose_invoice_email(&invoice, &customer, &branding).expect("message");
            msg_ms.push(t.elapsed().as_secs_f64() * 1000.0);
            sizes = (pdf.len(), message.raw_mime.len());
        }
        let (pdf50, pdf99) = percentiles(pdf_ms);
        let (msg50, msg99) = percentiles(msg_ms);
        println!("{label:>9}: PDF p50 {pdf50:.3} ms p99 {pdf99:.3} ms ({} B) | whole message p50 {msg50:.3} ms p99 {msg99:.3} ms ({} B) | message/PDF {:.2}x", sizes.0, sizes.1, msg50 / pdf50);
    }
}
