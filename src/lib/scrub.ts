/** Removes passwords from URLs and AWS secrets from free text (error messages included). */
export function scrub(text: string): string {
  return text
    .replace(/(rediss?:\/\/[^:/@\s]*:)[^@\s]+@/gi, "$1***@")
    .replace(/([?&][A-Za-z_]*(?:pass|secret|token)[A-Za-z_]*=)[^&\s]+/gi, "$1***")
    .replace(/(aws_secret_access_key|secretAccessKey|sessionToken|x-amz-security-token)(["'=:\s]+)[A-Za-z0-9/+=]+/gi, "$1$2***")
    .replace(/Credential=[A-Z0-9]+/g, "Credential=***");
}
