package memory

import (
	"fmt"

	"golang.org/x/sys/unix"
)

const pageSize = 4096

// mapSlab maps size bytes of anonymous memory and has the kernel back all
// of it now: with transparent huge pages where the system allows them for
// mappings that ask (the kernel aligns mappings of 2 MiB or more for them),
// and then by writing every page, which costs little once the pages are
// there and is what backs them where the advice is not supported (kernels
// before 5.14, or huge pages off).
func mapSlab(size int) ([]byte, error) {
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("memory store: map %d bytes: %w", size, err)
	}
	// Both are advice: an error only means the pages are faulted in one
	// by one below.
	_ = unix.Madvise(b, unix.MADV_HUGEPAGE)
	_ = unix.Madvise(b, unix.MADV_POPULATE_WRITE)
	for i := 0; i < len(b); i += pageSize {
		b[i] = 0
	}
	return b, nil
}

func unmapSlab(b []byte) { _ = unix.Munmap(b) }
