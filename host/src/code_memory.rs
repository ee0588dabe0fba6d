//! Running the stages' native code where it lies in acmebox's binary.
//!
//! wasmtime's `Component::deserialize` copies a precompiled component into
//! fresh anonymous memory before making its code executable: every stage a
//! run loads cost its whole `.cwasm` (0.3 to 3.4 MiB) in copying, page
//! faults and resident memory, once from the binary and once in the copy.
//! With [`InPlace`] as the engine's code memory, embedded.rs hands wasmtime
//! the `.cwasm` where the binary already holds it (page-aligned, in the
//! read-only segment) and the code section is made executable there: nothing
//! is copied, and only the pages a run touches are read in.
//!
//! W^X holds: those pages are never writable (the loader maps them read-only
//! and [`InPlace`] only adds execute to the code section, never write).
//! A component compiled in the process (tests' replacement stages) is
//! published through the same hook, on wasmtime's own memory, which wasmtime
//! has made read-only first.
//!
//! Only on x86-64 Linux, where making a page executable needs no
//! instruction-cache maintenance; elsewhere the engine copies as before.

/// The engine's code-memory hook (see the module documentation).
pub struct InPlace;

/// Whether [`InPlace`] is available on this target.
pub const AVAILABLE: bool = cfg!(all(target_os = "linux", target_arch = "x86_64"));

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
impl wasmtime::CustomCodeMemory for InPlace {
    fn required_alignment(&self) -> usize {
        rustix::param::page_size()
    }

    fn publish_executable(&self, ptr: *const u8, len: usize) -> wasmtime::Result<()> {
        use rustix::mm::{mprotect, MprotectFlags};
        if len == 0 {
            return Ok(());
        }
        // SAFETY: wasmtime passes the page-aligned code section of a
        // `CodeMemory` it owns or was lent for the component's lifetime
        // (embedded.rs: static, never written). Read and execute only: no
        // write access is added to any page.
        #[allow(unsafe_code)]
        unsafe {
            mprotect(
                ptr.cast_mut().cast(),
                len,
                MprotectFlags::READ | MprotectFlags::EXEC,
            )
        }
        .map_err(|e| wasmtime::format_err!("cannot make stage code executable: {e}"))
    }

    /// Left executable: the same embedded code may back several live
    /// components at once (a stage deserialized again while an earlier
    /// instance still runs), and it is never written either way; wasmtime
    /// unmaps its own memory right after.
    fn unpublish_executable(&self, _ptr: *const u8, _len: usize) -> wasmtime::Result<()> {
        Ok(())
    }
}

/// `config` with [`InPlace`] as its code memory where [`AVAILABLE`].
pub fn install(config: &mut wasmtime::Config) {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    config.with_custom_code_memory(Some(std::sync::Arc::new(InPlace)));
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    let _ = config;
}

/// Drop `bytes` (an embedded `.cwasm`, page-aligned) from the process's
/// resident memory: its pages stay mapped and are read again from the
/// binary if used again. A hint only; safe while the code still runs,
/// since those pages are never written (a private, unmodified mapping of
/// the executable). Nothing happens where [`AVAILABLE`] is false.
pub fn release(bytes: &'static [u8]) {
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    if bytes
        .as_ptr()
        .addr()
        .is_multiple_of(rustix::param::page_size())
    {
        use rustix::mm::{madvise, Advice};
        // SAFETY: `bytes` is static, read-only and never written, so
        // discarding its pages only means reading them again from the file.
        #[allow(unsafe_code)]
        let _ = unsafe {
            madvise(
                bytes.as_ptr().cast_mut().cast(),
                bytes.len(),
                Advice::LinuxDontNeed,
            )
        };
    }
    #[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
    let _ = bytes;
}
