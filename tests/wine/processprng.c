/* Test-only: bcryptprimitives.dll's ProcessPrng for Wine 8, which lacks it.
 *
 * Rust's standard library on Windows gets its random bytes (HashMap keys,
 * among others) from ProcessPrng in bcryptprimitives.dll, which Wine 8 does
 * not have: acmebox.exe would not start under it. scripts/wine-check builds
 * this with mingw-w64 and loads it in Wine only (WINEDLLOVERRIDES), next to
 * acmebox.exe in a scratch directory; it is never shipped or used on
 * Windows. It draws from BCryptGenRandom (the system RNG), as ProcessPrng
 * does on Windows. */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
