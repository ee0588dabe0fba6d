//! acme-client.conf(5) as acmebox reads it (acmebox-config: lexer and
//! parser), alone and with every `include` reading the same text again.
//! Properties: an error is one printable line pointing into the text; a
//! configuration read is printed (`--check`) as text that reads back to
//! the same configuration and prints the same.

#![no_main]

use acmebox_config::{parse, parse_with, print, Config, ConfigError, Sources};
use acmebox_fuzz::assert_one_line;
use libfuzzer_sys::fuzz_target;

/// Every included file is the input again.
struct Echo<'a>(&'a str);

impl Sources for Echo<'_> {
    fn read(&mut self, _path: &str) -> Result<String, String> {
        Ok(self.0.to_string())
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(text, parse("fuzz.conf", text));
    check(text, parse_with("fuzz.conf", text, &mut Echo(text)));
});

fn check(text: &str, result: Result<Config, ConfigError>) {
    let config = match result {
        Ok(config) => config,
        Err(e) => {
            assert_one_line("the configuration error", &e.to_string());
            let line = usize::try_from(e.line).expect("u32 fits");
            let column = usize::try_from(e.column).expect("u32 fits");
            let Some(at) = line.checked_sub(1).and_then(|i| text.split('\n').nth(i)) else {
                panic!("{e}: line {line} is not in the text");
            };
            assert!(
                (1..=at.chars().count() + 1).contains(&column),
                "{e}: column {column} is not in line {at:?}"
            );
            return;
        }
    };
    let printed = print(&config);
    let again = parse("printed.conf", &printed)
        .unwrap_or_else(|e| panic!("the printed configuration does not read: {e}\n{printed}"));
    assert_eq!(again, config, "{printed}");
    assert_eq!(print(&again), printed);
}
