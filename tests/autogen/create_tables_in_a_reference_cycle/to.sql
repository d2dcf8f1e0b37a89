-- Two created tables that reference each other, and one that references itself: the
-- self-reference and the first key of the cycle stay in CREATE TABLE, the key closing
-- the cycle is added once both tables exist; the downgrade drops that key before the
-- tables. (SQLite writes every key inline: its own case is create_two_tables_with_fk.)
CREATE TABLE employees (id INTEGER PRIMARY KEY, manager_id INTEGER, department_id INTEGER,
    CONSTRAINT fk_emp_manager FOREIGN KEY (manager_id) REFERENCES employees (id));
CREATE TABLE departments (id INTEGER PRIMARY KEY, head_id INTEGER,
    CONSTRAINT fk_department_head FOREIGN KEY (head_id) REFERENCES employees (id));
ALTER TABLE employees ADD CONSTRAINT fk_emp_department FOREIGN KEY (department_id) REFERENCES departments (id);
CREATE INDEX ix_employees_department ON employees (department_id);
