/** A picked file as base64, for the JSON upload procedures (the server judges the bytes again). */
export async function fileBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  // In slices: spreading a whole 1.4 MB file into one call overflows the argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The file chosen in an `<input type="file">` change event, read as base64; the input is cleared so the same file can be picked again. */
export async function pickedFile(event: Event): Promise<{ name: string; contentBase64: string } | null> {
  const input = event.target as HTMLInputElement;
  const file = input.files?.[0];
  if (!file) return null;
  const contentBase64 = await fileBase64(file);
  input.value = '';
  return { name: file.name, contentBase64 };
}
