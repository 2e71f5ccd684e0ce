export { CloudConfigError, configDirs, OS_KEYS, resolveOsSettings, type OsSettings } from './os-config';
