// libpng (Debian's libpng-dev), through its "simplified" png_image API, which reports errors in
// the struct instead of longjmp-ing (Swift cannot unwind a longjmp). The helpers copy libpng's
// message into a caller buffer because Swift sees the fixed char array as a 64-tuple.
#include <png.h>
#include <string.h>

/// Writes `pixels` (rows of width·channels bytes; channels 1 = gray, 3 = RGB) to `path`.
/// Returns 1 on success; otherwise 0 with libpng's reason in `message`.
static inline int molgen_png_write(const char *path, int width, int height, int channels,
                                   const unsigned char *pixels, char *message, int message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)width;
    image.height = (png_uint_32)height;
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    int ok = png_image_write_to_file(&image, path, 0, pixels, 0, NULL);
    if (!ok && message_size > 0) { strncpy(message, image.message, (size_t)message_size - 1); message[message_size - 1] = 0; }
    png_image_free(&image);
    return ok;
}

/// Opens `path` and reports its size; the pixels are read by molgen_png_read_finish as 8-bit
/// gray (channels 1) or RGB (channels 3), converting whatever the file holds. Returns 1 on success.
static inline int molgen_png_read(const char *path, int channels, int *width, int *height,
                                  unsigned char *pixels, int capacity, char *message, int message_size) {
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) {
        if (message_size > 0) { strncpy(message, image.message, (size_t)message_size - 1); message[message_size - 1] = 0; }
        png_image_free(&image);
        return 0;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    image.format = channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    if (pixels == NULL || (long)capacity < (long)PNG_IMAGE_SIZE(image)) {  // size query only
        png_image_free(&image);
        return 1;
    }
    int ok = png_image_finish_read(&image, NULL, pixels, 0, NULL);
    if (!ok && message_size > 0) { strncpy(message, image.message, (size_t)message_size - 1); message[message_size - 1] = 0; }
    png_image_free(&image);
    return ok;
}
