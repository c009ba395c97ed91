alter table users add name text;
