import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../src/store/database-url.js';

describe('DATABASE_URL with several hosts', () => {
  it('splits a libpq host list into one connection string per host, keeping user, database and other parameters', () => {
    expect(parseDatabaseUrl('postgres://app:s%40cret@db1:5432,db2:5433,[::1]/shop?target_session_attrs=read-write&sslmode=require')).toEqual({
      urls: ['postgres://app:s%40cret@db1:5432/shop?sslmode=require', 'postgres://app:s%40cret@db2:5433/shop?sslmode=require', 'postgres://app:s%40cret@[::1]:5432/shop?sslmode=require'],
      hosts: ['db1:5432', 'db2:5433', '[::1]:5432'],
      sessionAttrs: 'read-write',
    });
  });

  it('passes a single host on as written, and reads target_session_attrs=primary as read-write', () => {
    expect(parseDatabaseUrl('postgresql://db1/shop?target_session_attrs=primary')).toEqual({ urls: ['postgresql://db1/shop'], hosts: ['db1'], sessionAttrs: 'read-write' });
    expect(parseDatabaseUrl('postgres://db1:6432/shop').sessionAttrs).toBe('any');
  });

  it('refuses target_session_attrs it does not support, and what is not a postgres:// URL, saying what to write', () => {
    expect(() => parseDatabaseUrl('postgres://a,b/db?target_session_attrs=standby')).toThrow(/one of any, read-write, primary/);
    expect(() => parseDatabaseUrl('mysql://a/db')).toThrow(/postgres:\/\/user:password@host:port\/database/);
  });
});
