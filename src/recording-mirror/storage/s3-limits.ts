/** The smallest part S3 accepts; with two parts in flight an upload holds about 15 MB whatever the file's size. */
export const PART_SIZE = 5 * 1024 * 1024;
/** S3 numbers parts 1 to 10,000: with parts of PART_SIZE, the largest object an upload can make. */
export const MAX_UPLOAD_BYTES = 10_000 * PART_SIZE;
