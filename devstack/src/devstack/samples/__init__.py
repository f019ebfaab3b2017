"""Files made on the spot for tests and benchmarks of uploads (nothing binary is checked in):
`videos` with the bundled ffmpeg, `content` the images, documents and SVGs, each with the
traps the files service must catch (EXIF locations, macros, bombs, scripts)."""
