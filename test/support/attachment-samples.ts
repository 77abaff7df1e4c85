/**
 * The smallest files that are, by their magic bytes, each of K-69's twenty formats (what
 * `file-type` reads to tell them), and two executables dressed as images. Built here, so no
 * binary fixture is committed; each is padded to `size` bytes when asked (the padding is after
 * everything the detection reads).
 */
import type { AllowedFormat } from '../../services/attachments.js';

const ascii = (text: string) => [...text].map((ch) => ch.charCodeAt(0));
const u32le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const u32be = (n: number) => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const zeros = (n: number) => new Array<number>(n).fill(0);

/** An ISO base media file's `ftyp` box with this major brand. */
const ftyp = (brand: string) => [...u32be(24), ...ascii('ftyp'), ...ascii(brand), ...zeros(4), ...ascii(brand), ...ascii('isom')];
/** A RIFF file of this form type, with one empty chunk. */
const riff = (form: string, chunk: string) => [...ascii('RIFF'), ...u32le(12), ...ascii(form), ...ascii(chunk), ...u32le(0)];
/** A PNG: signature, the IHDR of a 1×1 image and IEND (CRCs are not checked by detection). */
const png = [0x89, ...ascii('PNG\r\n'), 0x1a, 0x0a, ...u32be(13), ...ascii('IHDR'), ...u32be(1), ...u32be(1), 8, 6, 0, 0, 0, ...zeros(4), ...u32be(0), ...ascii('IEND'), 0xae, 0x42, 0x60, 0x82];

/** Bytes by format; jpeg and jpg, mpeg and mpg are the same kinds of file. */
const SAMPLES: Record<AllowedFormat, number[]> = {
  jpeg: [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...ascii('JFIF'), 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9],
  jpg: [0xff, 0xd8, 0xff, 0xdb, 0x00, 0x43, 0x00, ...zeros(64), 0xff, 0xd9],
  gif: [...ascii('GIF89a'), 1, 0, 1, 0, 0, 0, 0, 0x3b],
  png,
  tif: [...ascii('II'), 42, 0, ...u32le(8), 1, 0, 0x00, 0x01, 3, 0, ...u32le(1), 1, 0, 0, 0, ...u32le(0)],
  bmp: [...ascii('BM'), ...u32le(58), 0, 0, 0, 0, ...u32le(54), ...u32le(40), ...u32le(1), ...u32le(1), 1, 0, 24, 0, ...zeros(24), 0, 0, 0, 0],
  avi: riff('AVI ', 'LIST'),
  mpeg: [0x00, 0x00, 0x01, 0xba, 0x44, 0x00, 0x04, 0x00, 0x04, 0x01, 0x01, 0x89, 0xc3, 0xf8],
  mpg: [0x00, 0x00, 0x01, 0xb3, 0x14, 0x00, 0xf0, 0x13, 0xff, 0xff, 0xe0, 0x18],
  mov: ftyp('qt  '),
  rm: [...ascii('.RMF'), ...u32be(18), 0, 0, ...u32be(0), ...u32be(0)],
  '3gp': ftyp('3gp4'),
  flv: [...ascii('FLV'), 1, 5, ...u32be(9), ...u32be(0)],
  mp4: ftyp('isom'),
  zip: [...ascii('PK'), 5, 6, ...zeros(18)],
  rar: [...ascii('Rar!'), 0x1a, 0x07, 0x01, 0x00, ...zeros(8)],
  mp3: [0xff, 0xfb, 0x90, 0x64, ...zeros(413)],
  wav: riff('WAVE', 'fmt '),
  wma: [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c, ...u32le(30), ...zeros(4), ...u32le(0), 1, 2],
  ogg: [...ascii('OggS'), 0, 2, ...zeros(8), ...u32le(1), ...u32le(0), ...u32le(0), 1, 30, 0x01, ...ascii('vorbis'), ...zeros(23)],
};

/** A file of `format`, `size` bytes long (at least its sample's length). */
export function sampleOf(format: AllowedFormat, size = 0): Uint8Array {
  const bytes = SAMPLES[format];
  const out = new Uint8Array(Math.max(size, bytes.length));
  out.set(bytes);
  return out;
}

/** A Linux executable (ELF) and a Windows one (MZ/PE), to be sent named `.png`. */
export const executables = {
  elf: Uint8Array.from([0x7f, ...ascii('ELF'), 2, 1, 1, 0, ...zeros(8), 2, 0, 0x3e, 0, 1, 0, 0, 0, ...zeros(40)]),
  exe: Uint8Array.from([...ascii('MZ'), 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, ...zeros(46), ...u32le(64), ...ascii('PE'), 0, 0, 0x4c, 0x01, ...zeros(18)]),
};
