package chat

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	// Formats image.Decode recognises (PNG and JPEG come with their
	// encoders above).
	_ "image/gif"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/fechatter/fechatter/internal/apperr"
)

// Avatar limits.
const (
	// MaxAvatarUpload is the largest avatar upload accepted: 5 MiB.
	MaxAvatarUpload = 5 << 20
	// maxAvatarPixels bounds width×height, read from the header before
	// any pixel is decoded, so a small file cannot ask for gigabytes:
	// 40 megapixels are 160 MB as RGBA (320 MB for a 16-bit PNG).
	maxAvatarPixels = 40_000_000
	// avatarDecoders is how many uploads are decoded at once (Service's
	// avatarSlots); the rest wait their turn.
	avatarDecoders = 2
	// AvatarSize is the edge of the stored square avatar, in pixels.
	AvatarSize = 256
	// avatarJPEGQuality is used for opaque avatars.
	avatarJPEGQuality = 88
)

// Crop is a square in source pixels: the top-left corner and the edge.
type Crop struct {
	X, Y, Size int
}

// errNotImage answers bytes that are not a PNG, JPEG, GIF or WebP image.
var errNotImage = apperr.Field("file", "must be a PNG, JPEG, GIF or WebP image")

// renderAvatar reads at most MaxAvatarUpload bytes of r, decodes them as
// an image (after checking its dimensions), crops the square crop (the
// centred largest square when nil), scales it to AvatarSize with
// Catmull-Rom and encodes it: PNG when any pixel is translucent, JPEG
// otherwise. It answers 413 past the size or pixel limits and 400 for
// anything that is not an image or a crop outside it.
func renderAvatar(r io.Reader, crop *Crop) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxAvatarUpload+1))
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.KindInvalid, Message: "could not read the uploaded file", Err: err}
	}
	if len(data) > MaxAvatarUpload {
		return nil, apperr.New(apperr.KindTooLarge, "the avatar is larger than %d bytes", MaxAvatarUpload)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, errNotImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, errNotImage
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxAvatarPixels {
		return nil, apperr.New(apperr.KindTooLarge, "the image has more than %d pixels", maxAvatarPixels)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, errNotImage
	}
	rect, err := cropRect(src.Bounds(), crop)
	if err != nil {
		return nil, err
	}
	dst := image.NewRGBA(image.Rect(0, 0, AvatarSize, AvatarSize))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, rect, draw.Src, nil)
	return encodeAvatar(dst)
}

// cropRect turns crop (relative to the image's top-left corner) into a
// rectangle of b, or the centred largest square when crop is nil.
func cropRect(b image.Rectangle, crop *Crop) (image.Rectangle, error) {
	w, h := b.Dx(), b.Dy()
	if crop == nil {
		side := min(w, h)
		x, y := (w-side)/2, (h-side)/2
		return image.Rect(x, y, x+side, y+side).Add(b.Min), nil
	}
	if crop.Size <= 0 || crop.X < 0 || crop.Y < 0 || crop.X > w-crop.Size || crop.Y > h-crop.Size {
		return image.Rectangle{}, apperr.Field("crop", "must be a square inside the image")
	}
	return image.Rect(crop.X, crop.Y, crop.X+crop.Size, crop.Y+crop.Size).Add(b.Min), nil
}

// encodeAvatar writes img as PNG when it has translucent pixels, else as
// JPEG (a photo is several times smaller so).
func encodeAvatar(img *image.RGBA) ([]byte, error) {
	var buf bytes.Buffer
	var err error
	if img.Opaque() {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: avatarJPEGQuality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img)
	}
	if err != nil {
		return nil, fmt.Errorf("encode avatar: %w", err)
	}
	return buf.Bytes(), nil
}
