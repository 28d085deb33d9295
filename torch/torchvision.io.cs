using AnomalyBench.Torch.Native;

namespace AnomalyBench.Torch;

/// <summary>Image files, as torchvision names them: decoded with stb_image, encoded with stb_image_write.</summary>
public static partial class torchvision
{
    public static class io
    {
        /// <summary>What <see cref="decode_image"/> converts to: as stored, 1, 3 or 4 channels (torchvision's ImageReadMode).</summary>
        public enum ImageReadMode
        {
            UNCHANGED = 0,
            GRAY = 1,
            GRAY_ALPHA = 2,
            RGB = 3,
            RGB_ALPHA = 4,
        }

        /// <summary>Reads an image file (PNG, JPEG, BMP, TGA, GIF, PNM; not TIFF) into a uint8 tensor [C,H,W].</summary>
        public static Tensor read_image(string path, ImageReadMode mode = ImageReadMode.UNCHANGED)
        {
            var bytes = ReadFile(path);
            try
            {
                return decode_image(bytes, mode);
            }
            catch (TorchException e)
            {
                throw new InvalidDataException($"{path}: {e.Message}. The file is corrupt or not an image of a supported format (PNG, JPEG, BMP, TGA, GIF, PNM); re-export or remove it.", e);
            }
        }

        /// <summary>Decodes encoded image bytes into a uint8 tensor [C,H,W].</summary>
        public static unsafe Tensor decode_image(ReadOnlySpan<byte> data, ImageReadMode mode = ImageReadMode.UNCHANGED)
        {
            Engine.EnsureInitialized();
            IntPtr handle;
            fixed (byte* p = data)
                NativeMethods.Check(NativeMethods.abt_image_decode(p, data.Length, (int)mode, out handle), "decode_image");
            using var hwc = new Tensor(handle);
            // Dispose the permuted view too: left to the finalizer it would keep the decoded
            // pixels alive until a GC, and a data loader decodes thousands of images.
            using var chw = hwc.permute(2, 0, 1);
            return chw.contiguous();
        }

        /// <summary>Width, height and stored channel count of an image file, without decoding its pixels.</summary>
        public static unsafe (int Width, int Height, int Channels) image_size(string path)
        {
            var bytes = ReadFile(path);
            int w, h, c;
            fixed (byte* p = bytes)
            {
                var code = NativeMethods.abt_image_info(p, bytes.Length, out w, out h, out c);
                if (code != 0)
                    throw new InvalidDataException($"{path}: {NativeMethods.LastError()}. The file is corrupt or not a supported image; re-export or remove it.");
            }
            return (w, h, c);
        }

        /// <summary>Encodes a uint8 tensor [C,H,W] (C = 1..4) or [H,W] as PNG.</summary>
        public static byte[] encode_png(Tensor image)
        {
            if (image.dtype != ScalarType.Byte)
                throw new ArgumentException($"encode_png wants a uint8 tensor, got {image.dtype}: scale to 0..255 and convert with .to(ScalarType.Byte)");
            using var hwc = image.dim() == 3 ? image.permute(1, 2, 0) : image.alias();
            NativeMethods.Check(NativeMethods.abt_image_encode_png(hwc.NativeHandle, out var buffer, out var length), "encode_png");
            try
            {
                var result = new byte[length];
                System.Runtime.InteropServices.Marshal.Copy(buffer, result, 0, checked((int)length));
                return result;
            }
            finally
            {
                NativeMethods.abt_free(buffer);
            }
        }

        /// <summary>Writes a PNG atomically: to a temporary name beside the target, then renamed over it.</summary>
        public static void write_png(Tensor image, string path)
        {
            AtomicFile.WriteAllBytes(path, encode_png(image));
        }

        private static byte[] ReadFile(string path)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {Path.GetFullPath(path)}", path);
            return File.ReadAllBytes(path);
        }
    }
}
