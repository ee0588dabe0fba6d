//! What each subcommand does, apart from parsing its command line (main.rs).
//! Each flow returns the text for standard output, or an error of one line.

pub mod components;
