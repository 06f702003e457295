//! `podplay explain`.

use crate::args::ExplainArgs;

pub fn run(args: &ExplainArgs) -> u8 {
    match podplay_core::schema::explain::explain(&args.field, args.recursive) {
        Ok(text) => {
            let mut out = crate::output::Out::default();
            out.text(&text);
            out.flush();
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
