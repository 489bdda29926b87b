/** A file part of a multipart body, held in memory (bounded by the limits). */
export interface UploadedFile {
  readonly filename: string;
  readonly mimeType: string;
  readonly encoding: string;
  readonly data: Buffer;
}

export interface MultipartLimits {
  /** Most bytes in one file part. @default the body limit */
  maxFileSize: number;
  /** Most file parts. @default 10 */
  maxFiles: number;
  /** Most non-file fields. @default 1000 */
  maxFields: number;
  /** Most bytes in one field value. @default 1 MiB */
  maxFieldSize: number;
}
