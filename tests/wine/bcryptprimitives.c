/*
 * Test-harness-only shim for running Go >= 1.24 windows/amd64 binaries
 * under Wine 8, which lacks bcryptprimitives.dll!ProcessPrng. The Go
 * runtime aborts at start with "bcryptprimitives.dll not found" without it.
 *
 * This file is NOT part of the product; it is only built and installed into
 * a throwaway WINEPREFIX by tests/wine/smoke.sh.
 *
 * Build: x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll \
 *            bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

/* RtlGenRandom, exported by advapi32 as SystemFunction036. */
BOOLEAN WINAPI SystemFunction036(PVOID RandomBuffer, ULONG RandomBufferLength);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE pbData, SIZE_T cbData)
{
    while (cbData > 0) {
        ULONG chunk = cbData > (SIZE_T)0x7fffffff ? 0x7fffffffUL : (ULONG)cbData;
        if (!SystemFunction036(pbData, chunk))
            return FALSE;
        pbData += chunk;
        cbData -= chunk;
    }
    return TRUE;
}

BOOL WINAPI DllMain(HINSTANCE hinst, DWORD reason, LPVOID reserved)
{
    (void)hinst; (void)reason; (void)reserved;
    return TRUE;
}
