//! Bounds on what a configuration file may make acmebox hold in memory, so a
//! hostile file (or include) is an error, never an exhausted host.

/// The largest configuration file, and the largest included file: 1 MiB.
pub const MAX_FILE: usize = 1 << 20;
/// The longest string, macro name or macro value: 8 KiB (OpenBSD's lexer
/// has a buffer of about this size).
pub const MAX_STRING: usize = 8 << 10;
/// How deep `include` may nest (the top file is depth 0).
pub const MAX_INCLUDE_DEPTH: usize = 8;
/// How many files one configuration may read, the top file included.
pub const MAX_FILES: usize = 64;
/// How many bytes of macro values may be expanded in all: 1 MiB (without
/// a bound, a 1 MiB file of `$m` lines could expand to gigabytes).
pub const MAX_EXPANSION: usize = 1 << 20;
