/**
 * @module crypto/ciphers
 * The data-channel ciphers this engine supports, by OpenVPN canonical name (spec §12.4, §13).
 */
import { UnsupportedCipherError } from '../errors.js'

export type DataCipherName =
  | 'AES-128-GCM'
  | 'AES-192-GCM'
  | 'AES-256-GCM'
  | 'CHACHA20-POLY1305'
  | 'AES-128-CBC'
  | 'AES-192-CBC'
  | 'AES-256-CBC'

export interface CipherInfo {
  name: DataCipherName
  node:
    | 'aes-128-gcm'
    | 'aes-192-gcm'
    | 'aes-256-gcm'
    | 'chacha20-poly1305'
    | 'aes-128-cbc'
    | 'aes-192-cbc'
    | 'aes-256-cbc'
  aead: boolean
  keyLength: number
}

const TABLE: Readonly<Record<DataCipherName, CipherInfo>> = {
  'AES-128-GCM': { name: 'AES-128-GCM', node: 'aes-128-gcm', aead: true, keyLength: 16 },
  'AES-192-GCM': { name: 'AES-192-GCM', node: 'aes-192-gcm', aead: true, keyLength: 24 },
  'AES-256-GCM': { name: 'AES-256-GCM', node: 'aes-256-gcm', aead: true, keyLength: 32 },
  'CHACHA20-POLY1305': {
    name: 'CHACHA20-POLY1305',
    node: 'chacha20-poly1305',
    aead: true,
    keyLength: 32,
  },
  'AES-128-CBC': { name: 'AES-128-CBC', node: 'aes-128-cbc', aead: false, keyLength: 16 },
  'AES-192-CBC': { name: 'AES-192-CBC', node: 'aes-192-cbc', aead: false, keyLength: 24 },
  'AES-256-CBC': { name: 'AES-256-CBC', node: 'aes-256-cbc', aead: false, keyLength: 32 },
}

export const SUPPORTED_CIPHERS = Object.keys(TABLE) as DataCipherName[]

export function isDataCipherName(name: string): name is DataCipherName {
  return Object.hasOwn(TABLE, name)
}

/** Case-insensitive lookup returning the canonical entry. */
export function cipherInfo(name: string): CipherInfo {
  const canon = name.toUpperCase()
  if (!isDataCipherName(canon))
    throw new UnsupportedCipherError(`unsupported data cipher "${name}"`)
  return TABLE[canon]
}
